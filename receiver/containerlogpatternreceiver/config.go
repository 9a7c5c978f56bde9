// SPDX-License-Identifier: Apache-2.0

package containerlogpatternreceiver // import "github.com/otelcol-node/otelcol-node/receiver/containerlogpatternreceiver"

import (
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/scraper/scraperhelper"

	"github.com/otelcol-node/otelcol-node/receiver/containerlogpatternreceiver/internal/metadata"
)

const (
	startAtEnd       = "end"
	startAtBeginning = "beginning"

	defaultDockerContainersDir   = "/var/lib/docker/containers"
	defaultDockerSocket          = "/var/run/docker.sock"
	defaultPodsDir               = "/var/log/pods"
	defaultProcRoot              = "/proc"
	defaultCgroupRoot            = "/sys/fs/cgroup"
	defaultJournalctlPath        = "journalctl"
	defaultPollInterval          = 200 * time.Millisecond
	defaultRescanInterval        = 10 * time.Second
	defaultMaxLogSize            = 1 << 20
	defaultMaxMessageBytes       = 64 << 10
	defaultMaxMessageLines       = 500
	defaultMultilineFlushTimeout = 500 * time.Millisecond
	defaultMaxPatterns           = 256
	defaultMaxSampleLength       = 200
	defaultPatternIdleTimeout    = time.Hour
	defaultMaxStreams            = 4096
	defaultMaxContainerRoots     = 512
	defaultMaxPendingLogRecords  = 10000
)

// Config configures the container_log_pattern receiver.
type Config struct {
	scraperhelper.ControllerConfig `mapstructure:",squash"`
	metadata.MetricsBuilderConfig  `mapstructure:",squash"`

	// Docker reads json-file logs of Docker containers.
	Docker DockerConfig `mapstructure:"docker"`
	// CRI reads the kubelet's CRI log files (containerd, CRI-O).
	CRI CRIConfig `mapstructure:"cri"`
	// Journald follows the journal of systemd services.
	Journald JournaldConfig `mapstructure:"journald"`
	// ContainerFiles reads files under /var/log inside each container's root.
	ContainerFiles ContainerFilesConfig `mapstructure:"container_files"`

	// StartAt is where a file seen for the first time is read from when the
	// receiver starts: "end" (default) or "beginning". Files that appear
	// later are always read from their beginning.
	StartAt string `mapstructure:"start_at"`
	// PollInterval is how often files are checked for new lines.
	PollInterval time.Duration `mapstructure:"poll_interval"`
	// MaxLogSize caps one line of a file; the rest of the line is dropped
	// and counted as truncated.
	MaxLogSize int `mapstructure:"max_log_size"`
	// MaxMessageBytes and MaxMessageLines cap one (multiline) message.
	MaxMessageBytes int `mapstructure:"max_message_bytes"`
	MaxMessageLines int `mapstructure:"max_message_lines"`
	// MultilineFlushTimeout is how long a message waits for continuation
	// lines (stack frames) before it is counted.
	MultilineFlushTimeout time.Duration `mapstructure:"multiline_flush_timeout"`
	// MaxPatterns caps the patterns kept per container x source x level;
	// messages of further patterns are counted under pattern_hash "overflow".
	MaxPatterns int `mapstructure:"max_patterns"`
	// MaxSampleLength caps the sample attribute, in bytes.
	MaxSampleLength int `mapstructure:"max_sample_length"`
	// PatternIdleTimeout drops a pattern not seen for this long.
	PatternIdleTimeout time.Duration `mapstructure:"pattern_idle_timeout"`
	// MaxStreams caps the container x source streams tracked at once.
	MaxStreams int `mapstructure:"max_streams"`
	// MaxPendingLogRecords caps the log records buffered for the logs
	// output between flushes; more are dropped and counted.
	MaxPendingLogRecords int `mapstructure:"max_pending_log_records"`
	// StorageID names a storage extension that keeps file offsets and the
	// journal cursor across restarts.
	StorageID *component.ID `mapstructure:"storage"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// DockerConfig configures the Docker json-file source.
type DockerConfig struct {
	Enabled bool `mapstructure:"enabled"`
	// ContainersDir is Docker's <data-root>/containers directory.
	ContainersDir string `mapstructure:"containers_dir"`
	// Socket is the Docker Engine API socket used for container names;
	// names are optional and an absent socket is not an error.
	Socket string `mapstructure:"socket"`
}

// CRIConfig configures the CRI log file source.
type CRIConfig struct {
	Enabled bool `mapstructure:"enabled"`
	// PodsDir holds <namespace>_<pod>_<uid>/<container>/<n>.log.
	PodsDir string `mapstructure:"pods_dir"`
}

// JournaldConfig configures the journald source.
type JournaldConfig struct {
	Enabled bool `mapstructure:"enabled"`
	// JournalctlPath is the journalctl binary run as `journalctl -o json -f`.
	JournalctlPath string `mapstructure:"journalctl_path"`
	// Directory reads the journal files in this directory instead of the
	// system journal (journalctl --directory).
	Directory string `mapstructure:"directory"`
	// Namespace reads a journal namespace (journalctl --namespace).
	Namespace string `mapstructure:"namespace"`
	// Units restricts the source to these units; empty means all.
	Units []string `mapstructure:"units"`
}

// ContainerFilesConfig configures the source of files written by a
// container's processes, read through /proc/<pid>/root.
type ContainerFilesConfig struct {
	Enabled bool `mapstructure:"enabled"`
	// Include lists glob patterns inside the container's root.
	Include []string `mapstructure:"include"`
	// ProcRoot and CgroupRoot are where procfs and cgroupfs are mounted.
	ProcRoot   string `mapstructure:"proc_root"`
	CgroupRoot string `mapstructure:"cgroup_root"`
	// RescanInterval is how often processes are scanned for new containers.
	RescanInterval time.Duration `mapstructure:"rescan_interval"`
	// MaxContainers caps the container roots followed at once.
	MaxContainers int `mapstructure:"max_containers"`
}

// Validate checks the configuration, naming the YAML key of each problem.
func (cfg *Config) Validate() error {
	var errs []error
	if cfg.StartAt != startAtEnd && cfg.StartAt != startAtBeginning {
		errs = append(errs, fmt.Errorf("'start_at' must be %q or %q, got %q", startAtEnd, startAtBeginning, cfg.StartAt))
	}
	positiveDurations := []struct {
		key string
		d   time.Duration
	}{
		{"poll_interval", cfg.PollInterval},
		{"multiline_flush_timeout", cfg.MultilineFlushTimeout},
		{"pattern_idle_timeout", cfg.PatternIdleTimeout},
	}
	for _, p := range positiveDurations {
		if p.d <= 0 {
			errs = append(errs, fmt.Errorf("'%s' must be positive", p.key))
		}
	}
	positiveInts := []struct {
		key string
		v   int
	}{
		{"max_log_size", cfg.MaxLogSize},
		{"max_message_bytes", cfg.MaxMessageBytes},
		{"max_message_lines", cfg.MaxMessageLines},
		{"max_patterns", cfg.MaxPatterns},
		{"max_sample_length", cfg.MaxSampleLength},
		{"max_streams", cfg.MaxStreams},
		{"max_pending_log_records", cfg.MaxPendingLogRecords},
	}
	for _, p := range positiveInts {
		if p.v <= 0 {
			errs = append(errs, fmt.Errorf("'%s' must be positive", p.key))
		}
	}
	if cfg.Docker.Enabled && cfg.Docker.ContainersDir == "" {
		errs = append(errs, errors.New("'docker.containers_dir' must be set when the docker source is enabled"))
	}
	if cfg.CRI.Enabled && cfg.CRI.PodsDir == "" {
		errs = append(errs, errors.New("'cri.pods_dir' must be set when the cri source is enabled"))
	}
	if cfg.Journald.Enabled {
		if cfg.Journald.JournalctlPath == "" {
			errs = append(errs, errors.New("'journald.journalctl_path' must be set when the journald source is enabled"))
		}
		if cfg.Journald.Directory != "" && cfg.Journald.Namespace != "" {
			errs = append(errs, errors.New("'journald.directory' and 'journald.namespace' are mutually exclusive"))
		}
	}
	if cfg.ContainerFiles.Enabled {
		if len(cfg.ContainerFiles.Include) == 0 {
			errs = append(errs, errors.New("'container_files.include' must list at least one pattern"))
		}
		for _, p := range cfg.ContainerFiles.Include {
			if len(p) == 0 || p[0] != '/' {
				errs = append(errs, fmt.Errorf("'container_files.include' pattern %q must be an absolute path inside the container", p))
			}
		}
		if cfg.ContainerFiles.RescanInterval <= 0 {
			errs = append(errs, errors.New("'container_files.rescan_interval' must be positive"))
		}
		if cfg.ContainerFiles.MaxContainers <= 0 {
			errs = append(errs, errors.New("'container_files.max_containers' must be positive"))
		}
	}
	if !cfg.Docker.Enabled && !cfg.CRI.Enabled && !cfg.Journald.Enabled && !cfg.ContainerFiles.Enabled {
		errs = append(errs, errors.New("at least one of 'docker', 'cri', 'journald', 'container_files' must be enabled"))
	}
	return errors.Join(errs...)
}
