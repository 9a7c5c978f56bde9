// SPDX-License-Identifier: Apache-2.0

package cloudmeta

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// serveGCP serves leaves under /computeMetadata/v1/ the way the GCE
// metadata server does: the request must carry Metadata-Flavor: Google
// (403 otherwise) and the answer echoes it.
func serveGCP(f *fakeIMDS, leaves map[string]string) {
	needFlavor := func(r *http.Request) (int, string) {
		if r.Header.Get("Metadata-Flavor") != "Google" {
			return http.StatusForbidden, "Missing Metadata-Flavor:Google header."
		}
		return 0, ""
	}
	for path, v := range leaves {
		f.handle(http.MethodGet, "/computeMetadata/v1/"+path, fakeRoute{
			body: []byte(v), check: needFlavor, header: http.Header{"Metadata-Flavor": {"Google"}},
		})
	}
}

func TestGCP(t *testing.T) {
	leaves := readTSV(t, sample(t, "gcp/leaves.illustrative.tsv"))
	f := newFakeIMDS(t)
	serveGCP(f, leaves)

	in, err := newTestClient(t, ProviderGCP, f.URL(), answerTimeout).Fetch(context.Background())
	// provisioning-model is not in the sample: a 404, the rest is read.
	require.ErrorIs(t, err, ErrPartial)
	assert.ErrorContains(t, err, "provisioning-model: HTTP 404")
	assert.Equal(t, Instance{
		Provider:         ProviderGCP,
		AccountID:        "my-project",
		InstanceID:       "1234567890123456789",
		InstanceType:     "e2-standard-4",
		LifeCycle:        LifeCycleOnDemand,
		Region:           "us-central1",
		AvailabilityZone: "us-central1-a",
		LocalIPv4:        "10.128.0.2",
		PublicIPv4:       "203.0.113.10",
		HostName:         "my-vm.us-central1-a.c.my-project.internal",
	}, in)
	for _, r := range f.requests() {
		assert.Equal(t, "Google", r.Header.Get("Metadata-Flavor"), r.URL.Path)
	}
}

func TestGCPLifeCycle(t *testing.T) {
	tests := []struct {
		provisioning, preemptible, want string
	}{
		{"SPOT", "TRUE", LifeCycleSpot},
		{"STANDARD", "FALSE", LifeCycleOnDemand},
		{"", "TRUE", LifeCyclePreemptible},
		{"", "FALSE", LifeCycleOnDemand},
		{"", "", ""},
	}
	for _, tt := range tests {
		leaves := readTSV(t, sample(t, "gcp/leaves.illustrative.tsv"))
		delete(leaves, "instance/scheduling/preemptible")
		if tt.preemptible != "" {
			leaves["instance/scheduling/preemptible"] = tt.preemptible
		}
		if tt.provisioning != "" {
			leaves["instance/scheduling/provisioning-model"] = tt.provisioning
		}
		f := newFakeIMDS(t)
		serveGCP(f, leaves)
		in, _ := newTestClient(t, ProviderGCP, f.URL(), answerTimeout).Fetch(context.Background())
		assert.Equal(t, tt.want, in.LifeCycle, "provisioning=%q preemptible=%q", tt.provisioning, tt.preemptible)
	}
}

func TestGCPRejectsServerWithoutFlavor(t *testing.T) {
	// Something else on 169.254.169.254 answering 200 to everything.
	f := newFakeIMDS(t)
	f.text("/computeMetadata/v1/project/project-id", "not-gce")
	_, err := newTestClient(t, ProviderGCP, f.URL(), answerTimeout).Fetch(context.Background())
	require.ErrorContains(t, err, "Metadata-Flavor: Google")
	assert.Len(t, f.requests(), 1, "the round stops at the first foreign answer")
}

func TestGCPNoFieldReadable(t *testing.T) {
	f := newFakeIMDS(t) // every path 404
	_, err := newTestClient(t, ProviderGCP, f.URL(), answerTimeout).Fetch(context.Background())
	require.ErrorContains(t, err, "no field could be read")
	require.NotErrorIs(t, err, ErrPartial)
}
