// SPDX-License-Identifier: Apache-2.0

package cloudmeta

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// edit changes one value of a provider's good sample: key names it in the
// provider's own format (a JSON path with dots, a YAML key, a leaf path, a
// KEY of Scaleway's conf); a nil value removes it. A zero edit serves the
// sample unchanged.
type edit struct {
	key   string
	value *string
}

// invalidCase serves one provider's good sample with an edit and says which
// key holds the instance id, which value to spoil, and the field names the
// validation error must give for it.
type invalidCase struct {
	provider   Provider
	serve      func(tb testing.TB, f *fakeIMDS, e edit)
	idKey      string
	junkKey    string
	wantFields []string
}

var invalidCases = []invalidCase{
	{
		provider: ProviderAWS,
		serve: func(tb testing.TB, f *fakeIMDS, e edit) {
			f.handle(http.MethodGet, "/latest/dynamic/instance-identity/document",
				fakeRoute{body: editJSON(tb, sample(tb, "aws/instance-identity-document.json"), e)})
			serveAWSLeaves(f, nil, map[string]string{
				"instance-life-cycle": "spot", "placement/availability-zone-id": "usw2-az2",
				"public-ipv4": "203.0.113.25", "hostname": "ip-10-158-112-84.us-west-2.compute.internal",
			})
		},
		idKey: "instanceId", junkKey: "region", wantFields: []string{"region"},
	},
	{
		provider: ProviderAWS,
		serve: func(tb testing.TB, f *fakeIMDS, e edit) {
			f.handle(http.MethodGet, "/latest/dynamic/instance-identity/document",
				fakeRoute{body: sample(tb, "aws/instance-identity-document.json")})
			serveAWSLeaves(f, nil, editMap(map[string]string{
				"instance-life-cycle": "spot", "placement/availability-zone-id": "usw2-az2",
				"public-ipv4": "203.0.113.25", "hostname": "ip-10-158-112-84.us-west-2.compute.internal",
			}, e))
		},
		// The leaves are optional: without one, the round is partial.
		junkKey: "hostname", wantFields: []string{"/latest/meta-data/hostname"},
	},
	{
		provider: ProviderGCP,
		serve: func(tb testing.TB, f *fakeIMDS, e edit) {
			serveGCP(f, editMap(readTSV(tb, sample(tb, "gcp/leaves.illustrative.tsv")), e))
		},
		// zone and region are derived from instance/zone: the error names
		// the leaf, and no region comes from it.
		idKey: "instance/id", junkKey: "instance/zone", wantFields: []string{"instance/zone"},
	},
	{
		provider: ProviderAzure,
		serve: func(tb testing.TB, f *fakeIMDS, e edit) {
			f.handle(http.MethodGet, "/metadata/instance", fakeRoute{body: editJSON(tb, sample(tb, "azure/instance-linux.json"), e)})
		},
		idKey: "compute.vmId", junkKey: "compute.location", wantFields: []string{"region"},
	},
	{
		provider: ProviderAzure,
		serve: func(tb testing.TB, f *fakeIMDS, e edit) {
			f.handle(http.MethodGet, "/metadata/instance", fakeRoute{body: editJSON(tb, sample(tb, "azure/instance-linux.json"), e)})
		},
		junkKey: "compute.priority", wantFields: []string{"compute.priority"},
	},
	{
		provider: ProviderHetzner,
		serve: func(tb testing.TB, f *fakeIMDS, e edit) {
			f.handle(http.MethodGet, "/hetzner/v1/metadata", fakeRoute{body: editYAML(tb, sample(tb, "hetzner/metadata.yaml"), e)})
			f.handle(http.MethodGet, "/hetzner/v1/metadata/private-networks", fakeRoute{body: sample(tb, "hetzner/private-networks.yaml")})
		},
		idKey: "instance-id", junkKey: "availability-zone", wantFields: []string{"availability_zone"},
	},
	{
		provider: ProviderDigitalOcean,
		serve: func(tb testing.TB, f *fakeIMDS, e edit) {
			f.handle(http.MethodGet, "/metadata/v1.json", fakeRoute{body: editJSON(tb, sample(tb, "digitalocean/metadata-v1.json"), e)})
		},
		// The zone is the region (as the reference agent reports it).
		idKey: "droplet_id", junkKey: "region", wantFields: []string{"region", "availability_zone"},
	},
	{
		provider: ProviderOracle,
		serve: func(tb testing.TB, f *fakeIMDS, e edit) {
			f.handle(http.MethodGet, "/opc/v2/instance/", fakeRoute{body: editJSON(tb, sample(tb, "oracle/instance.json"), e)})
			f.handle(http.MethodGet, "/opc/v2/vnics/", fakeRoute{body: sample(tb, "oracle/vnics.json")})
		},
		// The zone is derived from the availability domain.
		idKey: "id", junkKey: "availabilityDomain", wantFields: []string{"availabilityDomain"},
	},
	{
		provider: ProviderAlibaba,
		serve: func(tb testing.TB, f *fakeIMDS, e edit) {
			for path, v := range editMap(readTSV(tb, sample(tb, "alibaba/leaves.tsv")), e) {
				f.text("/latest/meta-data/"+path, v)
			}
		},
		idKey: "instance-id", junkKey: "zone-id", wantFields: []string{"/latest/meta-data/zone-id"},
	},
	{
		provider: ProviderScaleway,
		serve: func(tb testing.TB, f *fakeIMDS, e edit) {
			f.handle(http.MethodGet, "/conf", fakeRoute{body: editConf(sample(tb, "scaleway/conf.txt"), e)})
		},
		// The region is derived from the zone.
		idKey: "ID", junkKey: "ZONE", wantFields: []string{"ZONE"},
	},
}

// junkValues are what broken or hostile metadata servers were seen to send.
var junkValues = map[string]string{
	"10k characters":    strings.Repeat("z", 10_000),
	"terminal escape":   "eu-\x1b[2J-west",
	"control at end":    "leaf-\x01",
	"invalid UTF-8":     "eu-\xff\xfe",
	"just over the cap": strings.Repeat("a", MaxValueLen+1),
}

// Every provider treats an answer with an invalid value, or without the
// instance id, as a failed round that hands out nothing, whatever else in
// it was fine; the good sample with the same fake is read.
func TestInvalidAnswerFailsTheRound(t *testing.T) {
	for _, tc := range invalidCases {
		name := string(tc.provider) + "/" + tc.junkKey
		fetch := func(t *testing.T, e edit) (Instance, error) {
			f := newFakeIMDS(t)
			tc.serve(t, f, e)
			return newTestClient(t, tc.provider, f.URL(), answerTimeout).Fetch(context.Background())
		}
		t.Run(name+"/good sample", func(t *testing.T) {
			in, err := fetch(t, edit{})
			if err != nil {
				require.ErrorIs(t, err, ErrPartial)
			}
			assert.NotEmpty(t, in.InstanceID)
		})
		for junkName, junk := range junkValues {
			t.Run(name+"/"+junkName, func(t *testing.T) {
				in, err := fetch(t, edit{key: tc.junkKey, value: &junk})
				var ive *InvalidValuesError
				require.ErrorAs(t, err, &ive)
				require.NotErrorIs(t, err, ErrPartial)
				assert.Equal(t, tc.wantFields, ive.Fields)
				assert.NotContains(t, err.Error(), junk, "the junk itself stays out of the message")
				assert.Equal(t, Instance{Provider: tc.provider}, in, "nothing of a rejected answer is handed out")
			})
		}
		if tc.idKey == "" {
			continue // the same answer as a case above, another value spoiled
		}
		t.Run(name+"/no instance id", func(t *testing.T) {
			in, err := fetch(t, edit{key: tc.idKey})
			require.ErrorIs(t, err, ErrNoInstanceID)
			require.NotErrorIs(t, err, ErrPartial)
			assert.Equal(t, Instance{Provider: tc.provider}, in)
		})
		if tc.provider == ProviderDigitalOcean {
			continue // droplet_id is a number: there is no blank one
		}
		t.Run(name+"/blank instance id", func(t *testing.T) {
			blank := " \t"
			in, err := fetch(t, edit{key: tc.idKey, value: &blank})
			require.ErrorIs(t, err, ErrNoInstanceID)
			assert.Equal(t, Instance{Provider: tc.provider}, in)
		})
	}
}

// The GCE case of the bug report: a zone rejected for a control character
// must not leave a region derived from it.
func TestGCPNoRegionFromRejectedZone(t *testing.T) {
	leaves := readTSV(t, sample(t, "gcp/leaves.illustrative.tsv"))
	leaves["instance/zone"] = "projects/1/zones/leaf-\x01"
	f := newFakeIMDS(t)
	serveGCP(f, leaves)
	in, err := newTestClient(t, ProviderGCP, f.URL(), answerTimeout).Fetch(context.Background())
	require.ErrorContains(t, err, "instance/zone")
	assert.Empty(t, in.Region)
	assert.Empty(t, in.AvailabilityZone)
}

func editMap(m map[string]string, e edit) map[string]string {
	switch {
	case e.key == "":
	case e.value == nil:
		delete(m, e.key)
	default:
		m[e.key] = *e.value
	}
	return m
}

// editJSON applies e to a JSON document; dots in the key walk nested objects.
func editJSON(tb testing.TB, body []byte, e edit) []byte {
	tb.Helper()
	if e.key == "" {
		return body
	}
	var doc map[string]any
	require.NoError(tb, json.Unmarshal(body, &doc))
	editNested(tb, doc, e)
	out, err := json.Marshal(doc)
	require.NoError(tb, err)
	return out
}

func editYAML(tb testing.TB, body []byte, e edit) []byte {
	tb.Helper()
	if e.key == "" {
		return body
	}
	var doc map[string]any
	require.NoError(tb, yaml.Unmarshal(body, &doc))
	editNested(tb, doc, e)
	out, err := yaml.Marshal(doc)
	require.NoError(tb, err)
	return out
}

func editNested(tb testing.TB, doc map[string]any, e edit) {
	tb.Helper()
	path := strings.Split(e.key, ".")
	for _, k := range path[:len(path)-1] {
		next, ok := doc[k].(map[string]any)
		require.True(tb, ok, "no object %q in the sample", k)
		doc = next
	}
	last := path[len(path)-1]
	_, ok := doc[last]
	require.True(tb, ok, "no key %q in the sample", e.key)
	if e.value == nil {
		delete(doc, last)
		return
	}
	doc[last] = *e.value
}

// editConf applies e to Scaleway's KEY=VALUE answer.
func editConf(body []byte, e edit) []byte {
	if e.key == "" {
		return body
	}
	var out []string
	for _, line := range strings.Split(string(body), "\n") {
		if k, _, _ := strings.Cut(line, "="); k == e.key {
			if e.value == nil {
				continue
			}
			line = k + "=" + *e.value
		}
		out = append(out, line)
	}
	return []byte(strings.Join(out, "\n"))
}
