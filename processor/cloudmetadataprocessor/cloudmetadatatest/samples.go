// SPDX-License-Identifier: Apache-2.0

package cloudmetadatatest // import "github.com/otelcol-node/otelcol-node/processor/cloudmetadataprocessor/cloudmetadatatest"

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Providers with documented samples that ServeSamples can load.
var Providers = []string{"aws", "gcp", "azure", "hetzner", "digitalocean"}

// packageDir is this package's directory, so fixtures resolve from any
// test's working directory.
func packageDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file)
}

// SamplesDir is the directory of the documented sample responses (and the
// constructed ones of providers without published samples), kept in the
// repository so a clone alone runs every test. Provenance: SOURCES.md there.
func SamplesDir() string {
	return filepath.Join(packageDir(), "..", "internal", "cloudmeta", "testdata")
}

// SysfsFixture is the absolute path of a DMI tree that detection reads as
// provider p ("aws", "gcp", "azure", "hetzner", "digitalocean", "oracle",
// "alibaba", "scaleway", or "baremetal" for no cloud); use it as `sysfs_root`.
func SysfsFixture(p string) string {
	return filepath.Join(SamplesDir(), "sysfs", p)
}

// ServeSamples loads provider p's documented responses into s. AWS answers
// the IMDSv2 token PUT and adds the leaves the identity document lacks
// (life cycle "spot", zone id "usw2-az2", public IPv4 "203.0.113.25", host
// name "ip-10-158-112-84.us-west-2.compute.internal").
func ServeSamples(tb testing.TB, s *Server, p string) {
	tb.Helper()
	switch p {
	case "aws":
		s.Set("PUT /latest/api/token", []byte("AQAEAFakeToken=="))
		s.Set("GET /latest/dynamic/instance-identity/document", Sample(tb, "aws/instance-identity-document.json"))
		s.Set("GET /latest/meta-data/instance-life-cycle", []byte("spot"))
		s.Set("GET /latest/meta-data/placement/availability-zone-id", []byte("usw2-az2"))
		s.Set("GET /latest/meta-data/public-ipv4", []byte("203.0.113.25"))
		s.Set("GET /latest/meta-data/hostname", []byte("ip-10-158-112-84.us-west-2.compute.internal"))
	case "gcp":
		for _, line := range strings.Split(string(Sample(tb, "gcp/leaves.illustrative.tsv")), "\n") {
			if k, v, ok := strings.Cut(line, "\t"); ok && !strings.HasPrefix(k, "#") {
				s.Set("GET /computeMetadata/v1/"+k, []byte(v))
			}
		}
	case "azure":
		s.Set("GET /metadata/instance", Sample(tb, "azure/instance-linux.json"))
	case "hetzner":
		s.Set("GET /hetzner/v1/metadata", Sample(tb, "hetzner/metadata.yaml"))
		s.Set("GET /hetzner/v1/metadata/private-networks", Sample(tb, "hetzner/private-networks.yaml"))
	case "digitalocean":
		s.Set("GET /metadata/v1.json", Sample(tb, "digitalocean/metadata-v1.json"))
	default:
		tb.Fatalf("cloudmetadatatest: no samples for provider %q", p)
	}
}

// Sample reads one file of SamplesDir, e.g. "hetzner/metadata.yaml".
func Sample(tb testing.TB, rel string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(SamplesDir(), rel))
	if err != nil {
		tb.Fatalf("reading metadata sample: %v", err)
	}
	return b
}
