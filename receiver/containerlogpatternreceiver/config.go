// SPDX-License-Identifier: Apache-2.0

package containerlogpatternreceiver // import "github.com/otelcol-node/otelcol-node/receiver/containerlogpatternreceiver"

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/scraper/scraperhelper"

	"github.com/otelcol-node/otelcol-node/receiver/containerlogpatternreceiver/internal/metadata"
)

const (
	startAtEnd       = "end"
	startAtBeginning = "beginning"

	defaultDockerContainersDir = "/var/lib/docker/containers"
	defaultPodsDir             = "/var/log/pods"
	defaultJournalctlPath      = "journalctl"
	// defaultPollInterval paces the globbing and reading of the followed
	// files, the receiver's main cost on an idle node. Counts are emitted
	// every collection_interval, and lines of files rotated between two polls
	// are recovered by the rotation watch, so a longer poll delays nothing
	// users see.
	defaultPollInterval          = 2 * time.Second
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
	defaultMaxSeries             = 20000
	defaultMaxPatternMemory      = 64 << 20

	// Minimums reject values that validate as durations but cannot be
	// meant: a bare number is read as nanoseconds, so `poll_interval: 1`
	// would poll a billion times a second.
	minCollectionInterval     = 100 * time.Millisecond
	minPollInterval           = 10 * time.Millisecond
	minMultilineFlushTimeout  = 10 * time.Millisecond
	minPatternIdleTimeout     = time.Second
	minRescanInterval         = 100 * time.Millisecond
	minMaxPatternMemory       = 1 << 20
	minMaxPatternMemoryString = "1048576 (1 MiB)"
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
	// MaxSeries caps the pattern series (owner x source x level x pattern)
	// kept on the node. At the cap a new pattern of an owner holding more
	// than its fair share (max_series / owners) is counted in its overflow
	// bucket; otherwise the least recently used pattern of the owner with
	// the most series is folded into that owner's overflow bucket to make
	// room, so a noisy container cannot push out a quiet one's patterns.
	MaxSeries int `mapstructure:"max_series"`
	// MaxPatternMemory is the node-wide budget, in bytes, for the pattern
	// miners' state (estimated). Over it, the miner of the stream that uses
	// the most is emptied and capped at half its size.
	MaxPatternMemory int `mapstructure:"max_pattern_memory"`
	// MaxPendingLogRecords caps the log records buffered for the logs
	// output between flushes; more are dropped and counted.
	MaxPendingLogRecords int `mapstructure:"max_pending_log_records"`
	// StorageID names a storage extension that keeps file offsets and the
	// journal cursor across restarts.
	StorageID *component.ID `mapstructure:"storage"`
	// ContainerIdentity names the container_identity extension whose
	// resolver attributes logs to containers and names them (procfs,
	// cgroupfs and runtime sockets are configured there, once for the
	// collector). Without it the receiver uses a private resolver with the
	// default paths.
	ContainerIdentity *component.ID `mapstructure:"container_identity"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// DockerConfig configures the Docker json-file source.
type DockerConfig struct {
	Enabled bool `mapstructure:"enabled"`
	// ContainersDir is Docker's <data-root>/containers directory. Container
	// names come from the container identity resolver, not from here.
	ContainersDir string `mapstructure:"containers_dir"`
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
	// Include lists glob patterns inside the container's root. Processes
	// are found under the container identity resolver's proc root.
	Include []string `mapstructure:"include"`
	// RescanInterval is how often processes are scanned for new containers.
	RescanInterval time.Duration `mapstructure:"rescan_interval"`
	// MaxContainers caps the container roots followed at once.
	MaxContainers int `mapstructure:"max_containers"`
}

// Validate checks the configuration, naming the YAML key of each problem.
// What it cannot see, that the extensions named by 'storage' and
// 'container_identity' are configured and enabled (a receiver's config does
// not see the others), the distribution checks when it loads the config
// (internal/extensionrefs, so `validate` catches it too) and Start checks
// again.
func (cfg *Config) Validate() error {
	var errs []error
	if cfg.StartAt != startAtEnd && cfg.StartAt != startAtBeginning {
		errs = append(errs, fmt.Errorf("'start_at' must be %q or %q, got %q", startAtEnd, startAtBeginning, cfg.StartAt))
	}
	minDurations := []struct {
		key    string
		d, min time.Duration
	}{
		{"collection_interval", cfg.CollectionInterval, minCollectionInterval},
		{"poll_interval", cfg.PollInterval, minPollInterval},
		{"multiline_flush_timeout", cfg.MultilineFlushTimeout, minMultilineFlushTimeout},
		{"pattern_idle_timeout", cfg.PatternIdleTimeout, minPatternIdleTimeout},
	}
	if cfg.ContainerFiles.Enabled {
		minDurations = append(minDurations, struct {
			key    string
			d, min time.Duration
		}{"container_files.rescan_interval", cfg.ContainerFiles.RescanInterval, minRescanInterval})
	}
	for _, p := range minDurations {
		if err := checkMinDuration(p.key, p.d, p.min); err != nil {
			errs = append(errs, err)
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
		{"max_series", cfg.MaxSeries},
		{"max_pending_log_records", cfg.MaxPendingLogRecords},
	}
	for _, p := range positiveInts {
		if p.v <= 0 {
			errs = append(errs, fmt.Errorf("'%s' must be positive", p.key))
		}
	}
	if cfg.MaxPatternMemory < minMaxPatternMemory {
		errs = append(errs, fmt.Errorf("'max_pattern_memory' must be at least %s bytes, got %d", minMaxPatternMemoryString, cfg.MaxPatternMemory))
	}
	if cfg.Docker.Enabled {
		errs = append(errs, checkGlobDir("docker.containers_dir", cfg.Docker.ContainersDir)...)
	}
	if cfg.CRI.Enabled {
		errs = append(errs, checkGlobDir("cri.pods_dir", cfg.CRI.PodsDir)...)
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
			} else if _, err := filepath.Match(p, ""); err != nil {
				errs = append(errs, fmt.Errorf("'container_files.include' pattern %q is not a valid glob: %w", p, err))
			}
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

// checkMinDuration rejects a duration under its minimum. The message says
// that a number without a unit is nanoseconds: that is how such values get
// in.
func checkMinDuration(key string, d, minimum time.Duration) error {
	if d >= minimum {
		return nil
	}
	return fmt.Errorf("'%s' must be at least %s, got %s (a number without a unit is read as nanoseconds: write e.g. %s)", key, minimum, d, 20*minimum)
}

// checkGlobDir checks a directory that the log files are found under with
// glob patterns: it must be set and, since glob metacharacters in it are
// interpreted, form a valid pattern.
func checkGlobDir(key, dir string) []error {
	if dir == "" {
		return []error{fmt.Errorf("'%s' must be set when its source is enabled", key)}
	}
	if _, err := filepath.Match(dir, ""); err != nil {
		return []error{fmt.Errorf("'%s' %q is not a valid path pattern (escape glob characters such as '[' with '\\'): %w", key, dir, err)}
	}
	return nil
}
