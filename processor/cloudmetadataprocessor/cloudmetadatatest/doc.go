// SPDX-License-Identifier: Apache-2.0

// Package cloudmetadatatest serves fake cloud metadata services on
// 127.0.0.1 for tests of the cloud_metadata processor and of pipelines that
// include it (end-to-end tests point the processor's `endpoint` at Server.URL
// and its `sysfs_root` at SysfsFixture). The fakes answer with the documented
// sample responses and can hang or fail on demand. Test-only: never import it
// from component code.
package cloudmetadatatest // import "github.com/otelcol-node/otelcol-node/processor/cloudmetadataprocessor/cloudmetadatatest"
