// SPDX-License-Identifier: Apache-2.0

package cloudmeta

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Providers beyond the reference set; fixtures are constructed from the
// documented formats (testdata/README.md).

func TestDigitalOcean(t *testing.T) {
	f := newFakeIMDS(t)
	f.handle(http.MethodGet, "/metadata/v1.json", fakeRoute{body: sample(t, "digitalocean/metadata-v1.json")})
	in, err := newTestClient(t, ProviderDigitalOcean, f.URL(), answerTimeout).Fetch(context.Background())
	require.NoError(t, err)
	assert.Equal(t, Instance{
		Provider:         ProviderDigitalOcean,
		InstanceID:       "2756294",
		Region:           "nyc3",
		AvailabilityZone: "nyc3",
		LocalIPv4:        "10.132.255.113",
		PublicIPv4:       "203.0.113.42",
		HostName:         "sample-droplet",
	}, in)
}

func TestOracle(t *testing.T) {
	f := newFakeIMDS(t)
	needAuth := func(r *http.Request) (int, string) {
		if r.Header.Get("Authorization") != "Bearer Oracle" {
			return http.StatusUnauthorized, ""
		}
		return 0, ""
	}
	f.handle(http.MethodGet, "/opc/v2/instance/", fakeRoute{body: sample(t, "oracle/instance.json"), check: needAuth})
	f.handle(http.MethodGet, "/opc/v2/vnics/", fakeRoute{body: sample(t, "oracle/vnics.json"), check: needAuth})
	in, err := newTestClient(t, ProviderOracle, f.URL(), answerTimeout).Fetch(context.Background())
	require.NoError(t, err)
	assert.Equal(t, Instance{
		Provider:         ProviderOracle,
		AccountID:        "ocid1.tenancy.oc1..example",
		InstanceID:       "ocid1.instance.oc1.phx.example",
		InstanceType:     "VM.Standard.E4.Flex",
		Region:           "us-phoenix-1",
		AvailabilityZone: "us-phoenix-1-ad-1",
		LocalIPv4:        "10.0.3.6",
		HostName:         "my-vm",
	}, in)
}

func serveAlibaba(tb testing.TB, f *fakeIMDS, check func(*http.Request) (int, string)) {
	for path, v := range readTSV(tb, sample(tb, "alibaba/leaves.tsv")) {
		f.handle(http.MethodGet, "/latest/meta-data/"+path, fakeRoute{body: []byte(v), check: check})
	}
}

func TestAlibabaHardenedMode(t *testing.T) {
	f := newFakeIMDS(t)
	f.handle(http.MethodPut, "/latest/api/token", fakeRoute{body: []byte("ali-token")})
	serveAlibaba(t, f, func(r *http.Request) (int, string) {
		if r.Header.Get("X-aliyun-ecs-metadata-token") != "ali-token" {
			return http.StatusForbidden, ""
		}
		return 0, ""
	})
	in, err := newTestClient(t, ProviderAlibaba, f.URL(), answerTimeout).Fetch(context.Background())
	require.NoError(t, err)
	assert.Equal(t, Instance{
		Provider:         ProviderAlibaba,
		AccountID:        "1234567890123456",
		InstanceID:       "i-bp1a2b3c4d5e6f7g8h9",
		InstanceType:     "ecs.g7.large",
		Region:           "cn-hangzhou",
		AvailabilityZone: "cn-hangzhou-h",
		LocalIPv4:        "192.168.0.10",
		PublicIPv4:       "198.51.100.7",
		HostName:         "iZbp1a2b3c4d5e6f7g8h9Z",
	}, in)
	assert.Equal(t, "21600", f.requests()[0].Header.Get("X-aliyun-ecs-metadata-token-ttl-seconds"))
}

func TestAlibabaNormalModeWithoutEIP(t *testing.T) {
	f := newFakeIMDS(t) // no token endpoint: 404 on the PUT, token-less GETs
	serveAlibaba(t, f, nil)
	f.handle(http.MethodGet, "/latest/meta-data/eipv4", fakeRoute{status: http.StatusNotFound})
	in, err := newTestClient(t, ProviderAlibaba, f.URL(), answerTimeout).Fetch(context.Background())
	require.ErrorIs(t, err, ErrPartial)
	assert.Equal(t, "i-bp1a2b3c4d5e6f7g8h9", in.InstanceID)
	assert.Empty(t, in.PublicIPv4)
}

func TestScaleway(t *testing.T) {
	f := newFakeIMDS(t)
	f.handle(http.MethodGet, "/conf", fakeRoute{body: sample(t, "scaleway/conf.txt")})
	in, err := newTestClient(t, ProviderScaleway, f.URL(), answerTimeout).Fetch(context.Background())
	require.NoError(t, err)
	assert.Equal(t, Instance{
		Provider:         ProviderScaleway,
		AccountID:        "9c1a8f5e-0000-4000-8000-000000000001",
		InstanceID:       "5e3b2f2c-2f6a-4d43-8a39-6f2f5c9c1e11",
		InstanceType:     "DEV1-S",
		Region:           "fr-par",
		AvailabilityZone: "fr-par-1",
		LocalIPv4:        "10.64.12.34",
		PublicIPv4:       "51.15.0.1",
		HostName:         "scw-node-1",
	}, in)
}

func TestScalewayJunk(t *testing.T) {
	_, err := parseScalewayConf([]byte("<html>not the conf</html>\n"))
	require.ErrorContains(t, err, "has no instance id (ID)")
}
