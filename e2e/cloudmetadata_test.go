// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/otelcol-node/otelcol-node/internal/e2etest"
	"github.com/otelcol-node/otelcol-node/processor/cloudmetadataprocessor/cloudmetadatatest"
)

const nodeCloudInfo = "node_cloud_info"

// cloudConfig runs the OOM receiver (its self-metrics give the pipeline a
// steady flow) through cloud_metadata, pointed at a fake DMI tree and a fake
// metadata server on 127.0.0.1.
func cloudConfig(port int, sysfsRoot, endpoint string) string {
	return pipeline{
		receivers: "oom:\n  collection_interval: 1s",
		processors: fmt.Sprintf(`cloud_metadata:
  sysfs_root: %s
  endpoint: %s
  timeout: 500ms
  info_interval: 1s`, sysfsRoot, endpoint),
		receiverIDs:  []string{"oom"},
		processorIDs: []string{"cloud_metadata"},
	}.config(port)
}

// Each provider, detected from its DMI tree and read from a fake metadata
// server serving the providers' documented samples, gives node_cloud_info with
// the reference agent's labels and cloud.* resource labels on other series.
func TestCloudMetadataPerProvider(t *testing.T) {
	for _, tc := range []struct {
		provider  string
		info      map[string]string
		resources map[string]string
	}{
		{"aws", map[string]string{
			"provider": "AWS", "account_id": "123456789012", "instance_id": "i-1234567890abcdef0",
			"instance_type": "t2.micro", "instance_life_cycle": "spot", "region": "us-west-2",
			"availability_zone": "us-west-2b", "availability_zone_id": "usw2-az2",
			"local_ipv4": "10.158.112.84", "public_ipv4": "203.0.113.25",
		}, map[string]string{"cloud_provider": "aws", "cloud_region": "us-west-2", "host_type": "t2.micro"}},
		{"gcp", map[string]string{
			"provider": "GCP", "account_id": "my-project", "instance_id": "1234567890123456789",
			"instance_type": "e2-standard-4", "instance_life_cycle": "on-demand", "region": "us-central1",
			"availability_zone": "us-central1-a", "local_ipv4": "10.128.0.2", "public_ipv4": "203.0.113.10",
		}, map[string]string{"cloud_provider": "gcp", "cloud_availability_zone": "us-central1-a"}},
		{"azure", map[string]string{
			"provider": "Azure", "account_id": "xxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxx",
			"instance_id": "02aab8a4-74ef-476e-8182-f6d2ba4166a6", "instance_type": "Standard_A3",
			"instance_life_cycle": "on-demand", "region": "westus", "local_ipv4": "10.144.133.132",
		}, map[string]string{"cloud_provider": "azure", "host_name": "examplevmname"}},
		{"hetzner", map[string]string{
			"provider": "Hetzner", "instance_id": "42", "region": "eu-central", "availability_zone": "hel1-dc2",
			"local_ipv4": "10.0.0.2", "public_ipv4": "1.2.3.4",
		}, map[string]string{"cloud_provider": "hetzner", "host_id": "42"}},
	} {
		t.Run(tc.provider, func(t *testing.T) {
			srv := cloudmetadatatest.NewServer(t)
			cloudmetadatatest.ServeSamples(t, srv, tc.provider)
			port := e2etest.FreePort(t)
			c := e2etest.Start(t, cloudConfig(port, cloudmetadatatest.SysfsFixture(tc.provider), srv.URL()), port)
			fams := c.WaitFor(t, 20*time.Second, nodeCloudInfo, func(f e2etest.Families) bool {
				return len(f.Samples(nodeCloudInfo, tc.info)) > 0
			})
			info := fams.Samples(nodeCloudInfo, tc.info)
			if len(info) != 1 || info[0].Value != 1 {
				t.Fatalf("want one node_cloud_info series valued 1 with %v, got:\n%s", tc.info, fams.Describe(nodeCloudInfo))
			}
			// The resource attributes reach the receiver's own series too.
			var tagged int
			for name := range fams {
				if name != nodeCloudInfo && len(fams.Samples(name, tc.resources)) > 0 {
					tagged++
				}
			}
			if tagged == 0 {
				t.Fatalf("no series besides node_cloud_info carries %v", tc.resources)
			}
		})
	}
}

// With no provider detected there are no cloud attributes and node_cloud_info
// says provider="none"; the metadata service is never asked.
func TestCloudMetadataNoProvider(t *testing.T) {
	srv := cloudmetadatatest.NewServer(t)
	port := e2etest.FreePort(t)
	c := e2etest.Start(t, cloudConfig(port, cloudmetadatatest.SysfsFixture("baremetal"), srv.URL()), port)
	fams := c.WaitFor(t, 20*time.Second, nodeCloudInfo, func(f e2etest.Families) bool {
		return len(f.Samples(nodeCloudInfo, map[string]string{"provider": "none"})) == 1
	})
	for name, fam := range fams {
		for _, m := range fam.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "cloud_provider" {
					t.Fatalf("series %s carries cloud_provider=%q on bare metal", name, l.GetValue())
				}
			}
		}
	}
	if hits := srv.TotalHits(); hits != 0 {
		t.Fatalf("metadata server was asked %d times with no provider detected", hits)
	}
}

// A metadata server that hangs must not hold up the pipeline: the receiver's
// series keep flowing while the fetch times out and retries.
func TestCloudMetadataHangingServerKeepsPipelineFlowing(t *testing.T) {
	srv := cloudmetadatatest.NewServer(t)
	cloudmetadatatest.ServeSamples(t, srv, "aws")
	srv.HangAll()
	port := e2etest.FreePort(t)
	c := e2etest.Start(t, cloudConfig(port, cloudmetadatatest.SysfsFixture("aws"), srv.URL()), port)
	fams := c.WaitFor(t, 20*time.Second, "otelcol_node_oom_events_total", func(f e2etest.Families) bool {
		return len(f) > 0
	})
	if _, ok := fams[nodeCloudInfo]; ok {
		t.Fatalf("node_cloud_info published before any metadata was read:\n%s", fams.Describe(nodeCloudInfo))
	}
	if srv.TotalHits() == 0 {
		t.Fatal("the hanging metadata server was never asked")
	}
}
