// SPDX-License-Identifier: Apache-2.0

package cloudmeta

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func serveHetzner(tb testing.TB, f *fakeIMDS) {
	f.handle(http.MethodGet, "/hetzner/v1/metadata", fakeRoute{body: sample(tb, "hetzner/metadata.yaml")})
	f.handle(http.MethodGet, "/hetzner/v1/metadata/private-networks", fakeRoute{body: sample(tb, "hetzner/private-networks.yaml")})
}

func TestHetzner(t *testing.T) {
	f := newFakeIMDS(t)
	serveHetzner(t, f)
	in, err := newTestClient(t, ProviderHetzner, f.URL(), answerTimeout).Fetch(context.Background())
	require.NoError(t, err)
	assert.Equal(t, Instance{
		Provider:         ProviderHetzner,
		InstanceID:       "42",
		Region:           "eu-central",
		AvailabilityZone: "hel1-dc2",
		LocalIPv4:        "10.0.0.2", // first private network
		PublicIPv4:       "1.2.3.4",
		HostName:         "my-server",
	}, in)
}

func TestHetznerWithoutPrivateNetwork(t *testing.T) {
	f := newFakeIMDS(t)
	f.handle(http.MethodGet, "/hetzner/v1/metadata", fakeRoute{body: sample(t, "hetzner/metadata.yaml")})
	in, err := newTestClient(t, ProviderHetzner, f.URL(), answerTimeout).Fetch(context.Background())
	require.ErrorIs(t, err, ErrPartial)
	assert.ErrorContains(t, err, "private-networks: HTTP 404")
	assert.Equal(t, "42", in.InstanceID)
	assert.Equal(t, "1.2.3.4", in.PublicIPv4)
	assert.Empty(t, in.LocalIPv4)
}

func TestHetznerMalformedYAML(t *testing.T) {
	tests := map[string]string{
		"broken YAML":   "availability-zone: [hel1\nhostname: x\n",
		"a YAML list":   "- a\n- b\n",
		"no instance":   "hostname: my-server\n",
		"nested junk":   "instance-id: {a: b}\n",
		"binary answer": "\x00\x01\x02",
	}
	for name, body := range tests {
		t.Run(name, func(t *testing.T) {
			f := newFakeIMDS(t)
			f.handle(http.MethodGet, "/hetzner/v1/metadata", fakeRoute{body: []byte(body)})
			_, err := newTestClient(t, ProviderHetzner, f.URL(), answerTimeout).Fetch(context.Background())
			require.Error(t, err)
			require.NotErrorIs(t, err, ErrPartial)
		})
	}
}

func TestHetznerMalformedPrivateNetworks(t *testing.T) {
	f := newFakeIMDS(t)
	f.handle(http.MethodGet, "/hetzner/v1/metadata", fakeRoute{body: sample(t, "hetzner/metadata.yaml")})
	f.handle(http.MethodGet, "/hetzner/v1/metadata/private-networks", fakeRoute{body: []byte("ip: [")})
	in, err := newTestClient(t, ProviderHetzner, f.URL(), answerTimeout).Fetch(context.Background())
	require.ErrorIs(t, err, ErrPartial, "the summary was fine, only the private address is lost")
	assert.ErrorContains(t, err, "private-networks YAML")
	assert.Equal(t, "42", in.InstanceID)
}
