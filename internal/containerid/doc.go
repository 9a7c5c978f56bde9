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
// Resolver.Hierarchy tells the BPF side which id to report. The cgroup path is
// then classified (Classify) into an Identity: container id and runtime for
// Docker, containerd, CRI-O and podman, with either cgroup driver; the pod uid
// for Kubernetes pods; the unit for systemd services. Names come from what the
// node offers, all optional: the Docker Engine API (DockerClient), and the
// kubelet's CRI log directories, whose listings name pods by uid
// (/var/log/pods/<ns>_<pod>_<uid>, ParsePodLogPath) and containers by id
// (/var/log/containers/<pod>_<ns>_<container>-<id>.log, ParseContainerLogName).
// Identity.CopyToResource writes OpenTelemetry semantic-convention resource
// attributes, plus "systemd.unit.name" for services, where no convention exists.
//
// Everything is bounded and counted: the cgroup cache holds at most
// Config.MaxEntries cgroups, rescans on a miss are rate limited, removed cgroups
// are kept for a while (RemovedRetention) so late events still resolve, and the
// Docker answers live in a bounded LRU with a negative TTL. Resolver.Stats
// returns the counters for self-metrics. Resolver and DockerClient are safe for
// concurrent use.
//
// Known limits: /proc/<pid>/cgroup paths are relative to the reader's cgroup
// namespace, so the collector must run in the host cgroup namespace (a host
// service, or a container started with the host's cgroupns) for ByPID to agree
// with the cgroupfs walk. A bare 64-hex cgroup under kubepods does not say which
// runtime made it; Runtime stays "" unless the Docker Engine knows the id.
//
// Additions to the API agreed in internal/CONTRACTS.md: HierarchyKind and its
// String, Hierarchy{Kind, MountPoint}, DetectHierarchy, ParseProcCgroup,
// ErrProcessNotFound, ErrNoCgroupLine, ErrNoHierarchy, Resolver.CgroupID,
// Resolver.Stats with Stats, the Config fields
// after MaxEntries, Config.Validate, the Attribute* and Runtime* constants,
// DockerClient (NewDockerClient, Lookup, Stats, Close) with DockerInfo,
// DockerStats, ErrDockerUnavailable and ErrContainerNotFound, ParsePodLogPath
// (namespace, pod, uid, container, err) and ParseContainerLogName, the
// Default* constants, and RuntimePodman ("podman", libpod-<id>.scope).
package containerid // import "github.com/otelcol-node/otelcol-node/internal/containerid"
