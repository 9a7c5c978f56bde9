// SPDX-License-Identifier: Apache-2.0

// Package containerid tells which container, pod or systemd service a process
// or a cgroup belongs to. Every receiver of otelcol-node attributes its data
// through it, so all of them label the same container the same way.
//
// Attribution starts in the kernel: BPF programs record the cgroup id of the
// task (or socket) when the event happens, because a short-lived process is gone
// before user space could read /proc/<pid>/cgroup. A cgroup id is the kernfs node
// id of the cgroup's directory, which is also its inode number, so the Resolver
// maps ids to paths by walking one cgroup hierarchy and stat-ing directories:
//
//   - V1Memory on v1 and hybrid hosts (the v1 memory controller, mounted at
//     /sys/fs/cgroup/memory), where runtimes populate the v1 controllers;
//   - V2 on unified hosts (or hybrid hosts without a v1 memory mount).
//
// Config.Hierarchy (the container_identity extension's cgroup_hierarchy key) chooses: "auto", the
// default, detects as above (DetectHierarchy); "v1" and "v2" insist on that
// hierarchy, and SelectHierarchy fails with ErrNoHierarchy rather than fall
// back to the other one, whose ids the BPF side would not be reporting.
// Resolver.Hierarchy tells the BPF side which id to report. The cgroup path is
// then classified (Classify) into an Identity: container id and runtime for
// Docker, containerd, CRI-O and podman, with either cgroup driver; the pod uid
// for Kubernetes pods; the unit for systemd services. Names come from what the
// node offers, all optional: the Docker Engine API (DockerNames, which lists
// the engine's containers and follows its event stream), and the
// kubelet's CRI log directories, whose listings name pods by uid
// (/var/log/pods/<ns>_<pod>_<uid>, ParsePodLogPath) and containers by id
// (/var/log/containers/<pod>_<ns>_<container>-<id>.log, ParseContainerLogName).
// An identity becomes OpenTelemetry semantic-convention resource attributes,
// plus "systemd.unit.name" for services, where no convention exists. ebpf_tcp,
// oom and delay_acct write it through their generated ResourceBuilder with
// Identity.SetResource (any builder satisfying ResourceSetter), so the user's
// resource_attributes switches apply; Identity.CopyToResource writes the
// attributes directly and ignores them.
//
// One Resolver serves the whole collector: the container_identity extension
// owns it and receivers take it with Acquire (a receiver without the
// extension gets a private one). Hot paths never wait: ring-buffer readers
// call Observe, which queues a cgroup id for a background worker (pin it from
// /proc/<pid>/cgroup, else a rate-limited rescan), and receivers attach
// identities when they emit, with Current, Refresh or ByContainerID. That is
// the one rule for names that arrive late: each emission carries what the
// resolver knows now merged with what the series was last emitted with, so a
// name shows in every family from the next emission after it is known and is
// never lost. A pod the kubelet's directories did not name yet makes the
// worker list them again (at most once a second), without a cgroupfs walk.
//
// Everything is bounded and counted: the cgroup cache holds at most
// Config.MaxEntries cgroups, rescans on a miss are rate limited, removed cgroups
// are kept for a while (RemovedRetention) so late events still resolve, and the
// Docker names stay within MaxEntries. Resolver.Stats returns the counters,
// which the extension exports as its telemetry. Resolver and DockerNames are
// safe for concurrent use.
//
// Known limits: /proc/<pid>/cgroup paths (ByPID) are relative to the reader's
// cgroup namespace. Read from a private one (the default for a pod on a cgroup
// v2 node), a process outside the namespace root shows as
// "/../../burstable/pod<uid>/<id>"; Classify skips the leading ".." segments and
// classifies the remaining suffix, where a "pod<uid>" segment counts without
// its kubepods ancestor. The limit is a sibling container in the collector's
// own pod: it shows as "/../<id>", the pod level cut off, so the path gives its
// container id and no pod uid. The kubelet's log index (/var/log/containers)
// then names its pod, namespace and container by id, but k8s.pod.uid stays
// unset. A bare 64-hex cgroup under kubepods (or after cut segments) does not
// say which runtime made it; Runtime stays "" unless the Docker Engine knows
// the id. container_log_pattern still writes identities with CopyToResource,
// for its metrics and its log records, so its resource_attributes switches do
// not apply.
//
// Additions to the API agreed in internal/CONTRACTS.md: HierarchyKind and its
// String, Hierarchy{Kind, MountPoint}, DetectHierarchy, ParseProcCgroup,
// ErrProcessNotFound, ErrNoCgroupLine, ErrNoHierarchy, Resolver.CgroupID,
// Resolver.Stats with Stats, the Config fields
// after MaxEntries, Config.Validate, the Attribute* and Runtime* constants,
// DockerNames (NewDockerNames, Run, Cached, Request, Stats) with DockerInfo,
// DockerStats, ErrDockerUnavailable and ErrContainerNotFound, ParsePodLogPath
// (namespace, pod, uid, container, err) and ParseContainerLogName, the
// Default* constants, and RuntimePodman ("podman", libpod-<id>.scope).
package containerid // import "github.com/otelcol-node/otelcol-node/internal/containerid"
