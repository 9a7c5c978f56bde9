// SPDX-License-Identifier: Apache-2.0

package containerid // import "github.com/otelcol-node/otelcol-node/internal/containerid"

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Resource attribute keys written by CopyToResource. All but AttributeSystemdUnitName
// are OpenTelemetry semantic conventions; no convention exists for a systemd unit, so
// it gets a clearly namespaced key of its own.
const (
	AttributeContainerID        = "container.id"
	AttributeContainerRuntime   = "container.runtime"
	AttributeContainerName      = "container.name"
	AttributeContainerImageName = "container.image.name"
	AttributeK8sPodUID          = "k8s.pod.uid"
	AttributeK8sPodName         = "k8s.pod.name"
	AttributeK8sNamespaceName   = "k8s.namespace.name"
	AttributeK8sContainerName   = "k8s.container.name"
	// AttributeSystemdUnitName is not an OpenTelemetry semantic convention: it names
	// the systemd service whose cgroup the process runs in, e.g. "nginx.service".
	AttributeSystemdUnitName = "systemd.unit.name"
)

// Container runtimes as reported in container.runtime.
const (
	RuntimeDocker     = "docker"
	RuntimeContainerd = "containerd"
	RuntimeCRIO       = "cri-o"
	RuntimePodman     = "podman"
)

// Identity is what a cgroup path (and the optional name sources) says about the
// processes in one cgroup. The zero value is a process outside any container
// or service (for example the root cgroup "/").
type Identity struct {
	CgroupPath       string // path relative to the hierarchy root, e.g. "/docker/<64hex>"
	ContainerID      string // 64 lowercase hex digits, "" when not a container
	Runtime          string // "docker" | "containerd" | "cri-o" | "podman" | "" (container.runtime)
	PodUID           string // k8s.pod.uid, with dashes
	SystemdUnit      string // "nginx.service" for /system.slice/nginx.service; "" otherwise
	Name             string // container.name (Docker API), optional
	ImageName        string // container.image.name, optional
	PodName          string // k8s.pod.name, from CRI log paths, optional
	PodNamespace     string // k8s.namespace.name, from CRI log paths, optional
	K8sContainerName string // k8s.container.name, from CRI log paths, optional
}

// IsContainer reports whether the cgroup belongs to a container.
func (id Identity) IsContainer() bool { return id.ContainerID != "" }

// FillEmpty sets the empty fields of id from known: what one source (or an
// earlier emission) knew and another does not is kept.
func (id *Identity) FillEmpty(known Identity) {
	for _, f := range []struct {
		field *string
		value string
	}{
		{&id.CgroupPath, known.CgroupPath},
		{&id.ContainerID, known.ContainerID},
		{&id.Runtime, known.Runtime},
		{&id.PodUID, known.PodUID},
		{&id.SystemdUnit, known.SystemdUnit},
		{&id.Name, known.Name},
		{&id.ImageName, known.ImageName},
		{&id.PodName, known.PodName},
		{&id.PodNamespace, known.PodNamespace},
		{&id.K8sContainerName, known.K8sContainerName},
	} {
		if *f.field == "" {
			*f.field = f.value
		}
	}
}

// CopyToResource writes the identity as resource attributes. Empty values are
// omitted rather than written as "", so a backend never sees a blank label that
// looks like a real value.
func (id Identity) CopyToResource(attrs pcommon.Map) {
	putNonEmpty(attrs, AttributeContainerID, id.ContainerID)
	putNonEmpty(attrs, AttributeContainerRuntime, id.Runtime)
	putNonEmpty(attrs, AttributeContainerName, id.Name)
	putNonEmpty(attrs, AttributeContainerImageName, id.ImageName)
	putNonEmpty(attrs, AttributeK8sPodUID, id.PodUID)
	putNonEmpty(attrs, AttributeK8sPodName, id.PodName)
	putNonEmpty(attrs, AttributeK8sNamespaceName, id.PodNamespace)
	putNonEmpty(attrs, AttributeK8sContainerName, id.K8sContainerName)
	putNonEmpty(attrs, AttributeSystemdUnitName, id.SystemdUnit)
}

// ResourceSetter is the part of an mdatagen ResourceBuilder that an identity
// fills. Every receiver declares these resource attributes in its
// metadata.yaml, so its generated builder satisfies the interface and the
// user's resource_attributes switches (enabled: false) apply.
type ResourceSetter interface {
	SetContainerID(string)
	SetContainerRuntime(string)
	SetContainerName(string)
	SetContainerImageName(string)
	SetK8sPodUID(string)
	SetK8sPodName(string)
	SetK8sNamespaceName(string)
	SetK8sContainerName(string)
	SetSystemdUnitName(string)
}

// SetResource writes the identity through a generated ResourceBuilder, which
// drops the attributes the user disabled. Empty values are skipped, as in
// CopyToResource. Receivers emitting metrics use this, never CopyToResource.
func (id Identity) SetResource(rb ResourceSetter) {
	setNonEmpty(rb.SetContainerID, id.ContainerID)
	setNonEmpty(rb.SetContainerRuntime, id.Runtime)
	setNonEmpty(rb.SetContainerName, id.Name)
	setNonEmpty(rb.SetContainerImageName, id.ImageName)
	setNonEmpty(rb.SetK8sPodUID, id.PodUID)
	setNonEmpty(rb.SetK8sPodName, id.PodName)
	setNonEmpty(rb.SetK8sNamespaceName, id.PodNamespace)
	setNonEmpty(rb.SetK8sContainerName, id.K8sContainerName)
	setNonEmpty(rb.SetSystemdUnitName, id.SystemdUnit)
}

func setNonEmpty(set func(string), value string) {
	if value != "" {
		set(value)
	}
}

func putNonEmpty(attrs pcommon.Map, key, value string) {
	if value != "" {
		attrs.PutStr(key, value)
	}
}
