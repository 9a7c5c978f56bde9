// SPDX-License-Identifier: Apache-2.0

package cloudmeta

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A hanging server must cost one timeout per request and end the round at
// once; the count of requests proves the round did not walk every field.
func TestHangingServerEndsTheRound(t *testing.T) {
	tests := []struct {
		provider Provider
		hang     string
		// requests the client makes before giving up: AWS tries the token,
		// then one IMDSv1 GET.
		wantRequests int
	}{
		{ProviderAWS, "*", 2},
		{ProviderGCP, "/computeMetadata/v1/project/project-id", 1},
		{ProviderAzure, "/metadata/instance", 1},
		{ProviderHetzner, "/hetzner/v1/metadata", 1},
		{ProviderAlibaba, "*", 2},
	}
	for _, tt := range tests {
		t.Run(string(tt.provider), func(t *testing.T) {
			f := newFakeIMDS(t)
			if tt.hang == "*" {
				f.handle(http.MethodPut, "/latest/api/token", fakeRoute{hang: true})
				f.handle(http.MethodGet, "/latest/dynamic/instance-identity/document", fakeRoute{hang: true})
				f.handle(http.MethodGet, "/latest/meta-data/instance-id", fakeRoute{hang: true})
			} else {
				f.handle(http.MethodGet, tt.hang, fakeRoute{hang: true})
			}
			_, err := newTestClient(t, tt.provider, f.URL(), 100*time.Millisecond).Fetch(context.Background())
			require.Error(t, err)
			var netErr net.Error
			require.ErrorAs(t, err, &netErr)
			assert.True(t, netErr.Timeout(), "a timeout, not another failure: %v", err)
			assert.Len(t, f.requests(), tt.wantRequests)
		})
	}
}

func TestCanceledContextStopsFetch(t *testing.T) {
	f := newFakeIMDS(t)
	f.handle(http.MethodGet, "/metadata/instance", fakeRoute{hang: true})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := newTestClient(t, ProviderAzure, f.URL(), time.Minute).Fetch(ctx)
	require.ErrorIs(t, err, context.Canceled)
}

func TestRefusedConnection(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close()) // nothing listens there now
	_, err = newTestClient(t, ProviderHetzner, "http://"+addr, answerTimeout).Fetch(context.Background())
	require.ErrorContains(t, err, "connection refused")
}

func TestOversizedAnswer(t *testing.T) {
	f := newFakeIMDS(t)
	f.handle(http.MethodGet, "/metadata/instance", fakeRoute{body: []byte(strings.Repeat(" ", maxBodyBytes+1))})
	_, err := newTestClient(t, ProviderAzure, f.URL(), answerTimeout).Fetch(context.Background())
	require.ErrorContains(t, err, "response larger than")
}

func TestRedirectIsNotFollowed(t *testing.T) {
	f := newFakeIMDS(t)
	f.handle(http.MethodGet, "/hetzner/v1/metadata", fakeRoute{
		status: http.StatusFound, header: http.Header{"Location": {"http://192.0.2.1/steal"}},
	})
	_, err := newTestClient(t, ProviderHetzner, f.URL(), answerTimeout).Fetch(context.Background())
	var se *StatusError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, http.StatusFound, se.Code)
}

func TestNormalize(t *testing.T) {
	in := Instance{
		Provider:   ProviderAWS,
		InstanceID: "  i-123\n",
		LocalIPv4:  strings.Repeat("1", MaxValueLen),
	}
	require.NoError(t, in.normalize())
	assert.Equal(t, "i-123", in.InstanceID, "values are trimmed")
	assert.Len(t, in.LocalIPv4, MaxValueLen, "a value at the cap is kept")

	in.Region = strings.Repeat("r", MaxValueLen+1)
	in.HostName = "bad\x00host"
	in.PublicIPv4 = "\xff\xfe"
	var ive *InvalidValuesError
	require.ErrorAs(t, in.normalize(), &ive)
	assert.Equal(t, []string{"region", "public_ipv4", "host_name"}, ive.Fields)
	assert.EqualError(t, ive, "metadata values longer than 256 bytes or holding control characters: region, public_ipv4, host_name")

	require.ErrorIs(t, (&Instance{Provider: ProviderGCP, Region: "us-central1", InstanceID: " "}).normalize(), ErrNoInstanceID)
}

func TestUnknownProvider(t *testing.T) {
	_, err := NewClient(Provider("ibm"), "", time.Second, nil)
	require.ErrorContains(t, err, `no metadata client for provider "ibm"`)
	_, err = NewClient(ProviderNone, "", time.Second, nil)
	require.Error(t, err)
}

func TestPartialErrorMatching(t *testing.T) {
	err := &partialError{errs: []error{&StatusError{Path: "/x", Code: 404}}}
	assert.ErrorIs(t, err, ErrPartial)
	assert.False(t, errors.Is(errors.New("other"), ErrPartial))
	assert.Equal(t, "some metadata fields are missing: GET /x: HTTP 404 Not Found", err.Error())
}
