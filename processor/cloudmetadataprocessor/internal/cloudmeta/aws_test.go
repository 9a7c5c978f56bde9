// SPDX-License-Identifier: Apache-2.0

package cloudmeta

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testToken = "AQAEAFakeToken=="

// serveAWSToken makes the fake demand IMDSv2: a PUT with a TTL header gets a
// token, and the returned check refuses GETs without it (as IMDSv2-only
// instances do, with 401).
func serveAWSToken(f *fakeIMDS) func(*http.Request) (int, string) {
	f.handle(http.MethodPut, "/latest/api/token", fakeRoute{
		body: []byte(testToken),
		check: func(r *http.Request) (int, string) {
			if r.Header.Get("X-aws-ec2-metadata-token-ttl-seconds") == "" {
				return http.StatusBadRequest, "missing TTL"
			}
			return 0, ""
		},
	})
	return func(r *http.Request) (int, string) {
		if r.Header.Get("X-aws-ec2-metadata-token") != testToken {
			return http.StatusUnauthorized, ""
		}
		return 0, ""
	}
}

func serveAWSLeaves(f *fakeIMDS, check func(*http.Request) (int, string), leaves map[string]string) {
	for path, v := range leaves {
		f.handle(http.MethodGet, "/latest/meta-data/"+path, fakeRoute{body: []byte(v), check: check})
	}
}

func TestAWSIMDSv2IdentityDocument(t *testing.T) {
	f := newFakeIMDS(t)
	needToken := serveAWSToken(f)
	f.handle(http.MethodGet, "/latest/dynamic/instance-identity/document",
		fakeRoute{body: sample(t, "aws/instance-identity-document.json"), check: needToken})
	serveAWSLeaves(f, needToken, map[string]string{
		"instance-life-cycle":            "spot",
		"placement/availability-zone-id": "usw2-az2",
		"public-ipv4":                    "203.0.113.25",
		"hostname":                       "ip-10-158-112-84.us-west-2.compute.internal",
	})

	in, err := newTestClient(t, ProviderAWS, f.URL(), answerTimeout).Fetch(context.Background())
	require.NoError(t, err)
	assert.Equal(t, Instance{
		Provider:           ProviderAWS,
		AccountID:          "123456789012",
		InstanceID:         "i-1234567890abcdef0",
		InstanceType:       "t2.micro",
		LifeCycle:          LifeCycleSpot,
		Region:             "us-west-2",
		AvailabilityZone:   "us-west-2b",
		AvailabilityZoneID: "usw2-az2",
		LocalIPv4:          "10.158.112.84",
		PublicIPv4:         "203.0.113.25",
		HostName:           "ip-10-158-112-84.us-west-2.compute.internal",
	}, in)

	reqs := f.requests()
	require.NotEmpty(t, reqs)
	assert.Equal(t, http.MethodPut, reqs[0].Method, "the token is requested first")
	assert.Equal(t, "21600", reqs[0].Header.Get("X-aws-ec2-metadata-token-ttl-seconds"))
	for _, r := range reqs[1:] {
		assert.Equal(t, testToken, r.Header.Get("X-aws-ec2-metadata-token"), r.URL.Path)
	}
}

func TestAWSMetadataMockConfig(t *testing.T) {
	f := newFakeIMDS(t)
	f.serveAWSMockConfig(t, sample(t, "aws/ec2-metadata-mock.config.json"), serveAWSToken(f))

	in, err := newTestClient(t, ProviderAWS, f.URL(), answerTimeout).Fetch(context.Background())
	require.NoError(t, err)
	assert.Equal(t, Instance{
		Provider:           ProviderAWS,
		AccountID:          "0123456789",
		InstanceID:         "i-1234567890abcdef0",
		InstanceType:       "m4.xlarge",
		LifeCycle:          LifeCycleOnDemand,
		Region:             "us-east-1",
		AvailabilityZone:   "us-east-1f", // the identity document wins over the placement leaf
		AvailabilityZoneID: "use1-az4",
		LocalIPv4:          "10.0.7.10",
		PublicIPv4:         "192.0.2.54",
		HostName:           "ip-172-16-34-43.ec2.internal",
	}, in)
}

func TestAWSFallsBackToIMDSv1(t *testing.T) {
	tests := []struct {
		name  string
		token fakeRoute
	}{
		{"token refused", fakeRoute{status: http.StatusForbidden}},
		{"token method not allowed", fakeRoute{status: http.StatusMethodNotAllowed}},
		{"empty token", fakeRoute{status: http.StatusOK}},
		// Hop limit 1 inside a pod: the PUT answer never arrives.
		{"token answer dropped", fakeRoute{hang: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeIMDS(t)
			f.handle(http.MethodPut, "/latest/api/token", tt.token)
			f.handle(http.MethodGet, "/latest/dynamic/instance-identity/document",
				fakeRoute{body: sample(t, "aws/instance-identity-document.powershell-example.json")})
			serveAWSLeaves(f, nil, map[string]string{
				"instance-life-cycle": "on-demand", "placement/availability-zone-id": "usw2-az1",
				"public-ipv4": "198.51.100.1", "hostname": "ip-10-0-0-171",
			})

			in, err := newTestClient(t, ProviderAWS, f.URL(), time.Second).Fetch(context.Background())
			require.NoError(t, err)
			assert.Equal(t, "111122223333", in.AccountID)
			assert.Equal(t, "i-01ed50f7e2607f09e", in.InstanceID)
			assert.Equal(t, "t2.small", in.InstanceType)
			assert.Equal(t, "us-west-2a", in.AvailabilityZone)
			assert.Equal(t, "10.0.0.171", in.LocalIPv4)
			for _, r := range f.requests() {
				assert.Empty(t, r.Header.Get("X-aws-ec2-metadata-token"), "IMDSv1 requests carry no token")
			}
		})
	}
}

func TestAWSSomeLeavesNotFound(t *testing.T) {
	// No public address and no zone id: EC2 answers 404 for both.
	f := newFakeIMDS(t)
	needToken := serveAWSToken(f)
	f.handle(http.MethodGet, "/latest/dynamic/instance-identity/document",
		fakeRoute{body: sample(t, "aws/instance-identity-document.json"), check: needToken})
	serveAWSLeaves(f, needToken, map[string]string{"instance-life-cycle": "on-demand", "hostname": "ip-10-158-112-84"})

	in, err := newTestClient(t, ProviderAWS, f.URL(), answerTimeout).Fetch(context.Background())
	require.ErrorIs(t, err, ErrPartial)
	assert.ErrorContains(t, err, "public-ipv4: HTTP 404")
	assert.ErrorContains(t, err, "availability-zone-id: HTTP 404")
	assert.Equal(t, "i-1234567890abcdef0", in.InstanceID)
	assert.Equal(t, "us-west-2", in.Region)
	assert.Equal(t, LifeCycleOnDemand, in.LifeCycle)
	assert.Empty(t, in.PublicIPv4)
	assert.Empty(t, in.AvailabilityZoneID)
}

func TestAWSIdentityDocumentFaults(t *testing.T) {
	tests := []struct {
		name    string
		route   fakeRoute
		wantErr string
	}{
		{"server error", fakeRoute{status: http.StatusInternalServerError, body: []byte("oops")}, "HTTP 500 Internal Server Error: oops"},
		{"malformed JSON", fakeRoute{body: []byte(`{"instanceId": "i-1", `)}, "decoding instance identity document"},
		{"not an identity document", fakeRoute{body: []byte(`{"hello": "world"}`)}, "has no instance id (instanceId)"},
		{"HTML portal page", fakeRoute{body: []byte("<html><body>captive portal</body></html>")}, "decoding instance identity document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeIMDS(t)
			f.handle(http.MethodGet, "/latest/dynamic/instance-identity/document", tt.route)
			_, err := newTestClient(t, ProviderAWS, f.URL(), answerTimeout).Fetch(context.Background())
			require.ErrorContains(t, err, tt.wantErr)
			assert.False(t, errors.Is(err, ErrPartial), "nothing usable was read")
		})
	}
}
