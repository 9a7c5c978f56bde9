// SPDX-License-Identifier: Apache-2.0

package cloudmeta

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// azureChecks refuses what Azure IMDS refuses: no Metadata: true header
// (400), no api-version (400 with the documented error body), and proxied
// requests (X-Forwarded-For).
func azureChecks(tb testing.TB) func(*http.Request) (int, string) {
	missingVersion := string(sample(tb, "azure/error-missing-api-version.json"))
	return func(r *http.Request) (int, string) {
		switch {
		case r.Header.Get("Metadata") != "true":
			return http.StatusBadRequest, `{"error": "Bad request. Required metadata header not specified"}`
		case r.Header.Get("X-Forwarded-For") != "":
			return http.StatusBadRequest, `{"error": "Bad request. X-Forwarded-For header is not allowed"}`
		case r.URL.Query().Get("api-version") == "":
			return http.StatusBadRequest, missingVersion
		}
		return 0, ""
	}
}

func TestAzure(t *testing.T) {
	f := newFakeIMDS(t)
	f.handle(http.MethodGet, "/metadata/instance", fakeRoute{body: sample(t, "azure/instance-linux.json"), check: azureChecks(t)})

	in, err := newTestClient(t, ProviderAzure, f.URL(), answerTimeout).Fetch(context.Background())
	require.NoError(t, err)
	assert.Equal(t, Instance{
		Provider:     ProviderAzure,
		AccountID:    "xxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxx",
		InstanceID:   "02aab8a4-74ef-476e-8182-f6d2ba4166a6",
		InstanceType: "Standard_A3",
		LifeCycle:    LifeCycleOnDemand, // priority "Regular"
		Region:       "westus",
		LocalIPv4:    "10.144.133.132",
		HostName:     "examplevmname",
	}, in)
	reqs := f.requests()
	require.Len(t, reqs, 1, "one request reads the whole instance document")
	assert.Equal(t, azureAPIVersion, reqs[0].URL.Query().Get("api-version"))
	assert.Equal(t, "json", reqs[0].URL.Query().Get("format"))
}

func TestAzureSpotAndZone(t *testing.T) {
	doc := `{"compute": {"vmId": "vm-1", "priority": "Spot", "location": "eastus2", "zone": "3", "vmSize": "Standard_D2s_v5",
		"subscriptionId": "sub-1", "name": "node-1", "osProfile": {"computerName": ""}},
		"network": {"interface": [{"ipv4": {"ipAddress": [{"privateIpAddress": "10.1.0.4", "publicIpAddress": "20.0.0.4"}]}}]}}`
	in, err := parseAzureInstance([]byte(doc))
	require.NoError(t, err)
	assert.Equal(t, LifeCycleSpot, in.LifeCycle)
	assert.Equal(t, "3", in.AvailabilityZone)
	assert.Equal(t, "node-1", in.HostName, "falls back to compute.name")
	assert.Equal(t, "20.0.0.4", in.PublicIPv4)
}

func TestAzureServiceErrorIsReported(t *testing.T) {
	// An IMDS that does not know our api-version answers 400 with a reason.
	f := newFakeIMDS(t)
	f.handle(http.MethodGet, "/metadata/instance", fakeRoute{
		status: http.StatusBadRequest, body: sample(t, "azure/error-missing-api-version.json"),
	})
	_, err := newTestClient(t, ProviderAzure, f.URL(), answerTimeout).Fetch(context.Background())
	require.ErrorContains(t, err, "HTTP 400")
	assert.ErrorContains(t, err, "api-version is invalid")
}

func TestAzureMalformed(t *testing.T) {
	for name, body := range map[string]string{
		"truncated JSON":        `{"compute": {"vmId": "x"`,
		"network interface doc": string(sample(t, "azure/instance-network-interface-0.json")),
		"JSON array":            `[1, 2, 3]`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := parseAzureInstance([]byte(body))
			require.Error(t, err)
		})
	}
}
