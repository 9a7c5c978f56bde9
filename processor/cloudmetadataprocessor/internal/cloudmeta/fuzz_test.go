// SPDX-License-Identifier: Apache-2.0

package cloudmeta

import (
	"os"
	"path/filepath"
	"testing"
)

// Every decoder of metadata answers is fuzzed: whatever the server sends,
// a parser returns an error or an Instance with an instance id, and never
// panics.

func addSeeds(f *testing.F, paths ...string) {
	f.Helper()
	for _, p := range paths {
		b, err := os.ReadFile(filepath.Join("testdata", p))
		if err != nil {
			f.Fatalf("reading seed: %v", err)
		}
		f.Add(b)
	}
	f.Add([]byte{})
	f.Add([]byte("{}"))
	f.Add([]byte("null"))
}

func checkParsed(t *testing.T, in Instance, err error) {
	if err == nil && in.InstanceID == "" {
		t.Fatalf("parser accepted an answer without an instance id: %+v", in)
	}
	_ = in.normalize()
}

func FuzzParseAWSIdentityDocument(f *testing.F) {
	addSeeds(f, "aws/instance-identity-document.json",
		"aws/instance-identity-document.powershell-example.json")
	f.Fuzz(func(t *testing.T, b []byte) {
		doc, err := parseAWSIdentityDocument(b)
		checkParsed(t, Instance{InstanceID: doc.InstanceID}, err)
	})
}

func FuzzParseAzureInstance(f *testing.F) {
	addSeeds(f, "azure/instance-linux.json")
	f.Fuzz(func(t *testing.T, b []byte) {
		in, err := parseAzureInstance(b)
		checkParsed(t, in, err)
	})
}

func FuzzParseHetznerMetadata(f *testing.F) {
	addSeeds(f, "hetzner/metadata.yaml")
	f.Fuzz(func(t *testing.T, b []byte) {
		in, err := parseHetznerMetadata(b)
		checkParsed(t, in, err)
	})
}

func FuzzParseHetznerPrivateNetworks(f *testing.F) {
	addSeeds(f, "hetzner/private-networks.yaml")
	f.Fuzz(func(_ *testing.T, b []byte) {
		_, _ = parseHetznerPrivateIPv4(b)
	})
}

func FuzzParseDigitalOceanMetadata(f *testing.F) {
	addSeeds(f, "digitalocean/metadata-v1.json")
	f.Fuzz(func(t *testing.T, b []byte) {
		in, err := parseDigitalOceanMetadata(b)
		checkParsed(t, in, err)
	})
}

func FuzzParseOracle(f *testing.F) {
	addSeeds(f, "oracle/instance.json", "oracle/vnics.json")
	f.Fuzz(func(t *testing.T, b []byte) {
		in, err := parseOracleInstance(b)
		checkParsed(t, in, err)
		_, _ = parseOracleVNICs(b)
	})
}

func FuzzParseScalewayConf(f *testing.F) {
	addSeeds(f, "scaleway/conf.txt")
	f.Fuzz(func(t *testing.T, b []byte) {
		in, err := parseScalewayConf(b)
		checkParsed(t, in, err)
	})
}
