// SPDX-License-Identifier: Apache-2.0

package cloudmetadataprocessor // import "github.com/otelcol-node/otelcol-node/processor/cloudmetadataprocessor"

import (
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/otelcol-node/otelcol-node/processor/cloudmetadataprocessor/internal/cloudmeta"
	"github.com/otelcol-node/otelcol-node/processor/cloudmetadataprocessor/internal/metadata"
)

// node.cloud.info is built by hand: mdatagen v0.158.0 generates no
// MetricsBuilder for processors (its template covers receivers, scrapers and
// connectors only, and the generated test does not compile for a processor),
// so the metric is declared here and documented in README.md.
const (
	infoMetricName        = "node.cloud.info"
	infoMetricDescription = "Cloud instance metadata of the node as labels; the value is always 1."
	// The unit stays empty: the Prometheus exporter turns unit "1" on a gauge
	// into a _ratio suffix, and the contract name is node_cloud_info.
	infoMetricUnit = ""
)

// buildInfoMetric returns one ResourceMetrics holding node.cloud.info with
// the reference agent's labels, on resource res.
func buildInfoMetric(in cloudmeta.Instance, res pcommon.Resource, build component.BuildInfo) pmetric.Metrics {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	res.CopyTo(rm.Resource())
	sm := rm.ScopeMetrics().AppendEmpty()
	sm.Scope().SetName(metadata.ScopeName)
	sm.Scope().SetVersion(build.Version)
	m := sm.Metrics().AppendEmpty()
	m.SetName(infoMetricName)
	m.SetDescription(infoMetricDescription)
	m.SetUnit(infoMetricUnit)
	dp := m.SetEmptyGauge().DataPoints().AppendEmpty()
	dp.SetIntValue(1)
	attrs := dp.Attributes()
	attrs.EnsureCapacity(10)
	attrs.PutStr("provider", in.Provider.ReferenceName())
	attrs.PutStr("account_id", in.AccountID)
	attrs.PutStr("instance_id", in.InstanceID)
	attrs.PutStr("instance_type", in.InstanceType)
	attrs.PutStr("instance_life_cycle", in.LifeCycle)
	attrs.PutStr("region", in.Region)
	attrs.PutStr("availability_zone", in.AvailabilityZone)
	attrs.PutStr("availability_zone_id", in.AvailabilityZoneID)
	attrs.PutStr("local_ipv4", in.LocalIPv4)
	attrs.PutStr("public_ipv4", in.PublicIPv4)
	return md
}
