// SPDX-License-Identifier: Apache-2.0

//go:generate go tool mdatagen metadata.yaml

// Package cloudmetadataprocessor detects the cloud provider of the node from
// DMI/sysfs, reads the provider's instance metadata service over plain HTTP
// (no cloud SDKs) in the background, and adds the result to every signal as
// OTel resource attributes plus, on metrics, the node_cloud_info gauge of the
// reference agent. The consume path never waits on the network: it only reads
// the last published snapshot.
package cloudmetadataprocessor // import "github.com/otelcol-node/otelcol-node/processor/cloudmetadataprocessor"
