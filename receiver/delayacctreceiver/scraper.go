// SPDX-License-Identifier: Apache-2.0

package delayacctreceiver // import "github.com/otelcol-node/otelcol-node/receiver/delayacctreceiver"

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver"
	"go.uber.org/zap"

	"github.com/otelcol-node/otelcol-node/internal/containerid"
	"github.com/otelcol-node/otelcol-node/receiver/delayacctreceiver/internal/metadata"
)

// possibleCPUs lists every CPU that can ever come online; registering for all
// of them means no exit is missed after a CPU is hot-plugged.
const possibleCPUs = "/sys/devices/system/cpu/possible"

// exitRetryDelay paces the exit loop after an unexpected socket error.
const exitRetryDelay = 100 * time.Millisecond

// exitCoalesce is how long the exit loop lets notifications queue in the
// socket after handling some. Exits come in bursts (a shell pipeline, a
// script's commands, a job's workers): the rest of a burst is then read in
// one wake-up instead of one each, for a delay far below the parent
// lookups' needs and the scrape interval. The 8 MiB socket buffer holds
// thousands of exits meanwhile.
const exitCoalesce = 50 * time.Millisecond

// delayScraper samples taskstats on every scrape and listens for exits in
// between.
type delayScraper struct {
	cfg      *Config
	settings receiver.Settings
	logger   *zap.Logger
	mb       *metadata.MetricsBuilder
	sysctl   delayAcctSwitch
	tracker  *tracker
	procs    procScanner
	lookups  *exitLookupBudget

	// From Start: the container identity resolver, the function giving it
	// back, and the proc root it reads (where processes are listed and
	// kernel.task_delayacct is found).
	resolver *containerid.Resolver
	release  func() error
	procRoot string
	conn     *taskstatsConn // nil when taskstats is unavailable (degraded)
	exits    *exitListener  // nil when exit notifications are off or unavailable

	// Reused between scrapes; the scrape is never concurrent with itself.
	pids    []uint32
	sample  []uint32
	pathBuf []byte

	lastState  delayAcctState
	stateKnown bool

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func newDelayScraper(cfg *Config, set receiver.Settings) *delayScraper {
	return &delayScraper{
		cfg:      cfg,
		settings: set,
		logger:   set.Logger,
		mb:       metadata.NewMetricsBuilder(cfg.MetricsBuilderConfig, set),
		tracker:  newTracker(cfg.MaxProcesses, cfg.MaxContainers, cfg.ContainerIdleTimeout),
		lookups:  newExitLookupBudget(cfg.MaxExitLookupsPerSecond),
	}
}

// start acquires the container identity resolver, turns delay accounting
// on if asked, opens the taskstats sockets and starts the exit listener.
// Only a configuration error fails it (container_identity names an extension
// the collector does not run): a missing capability or namespace degrades
// the receiver to reporting why (one log line, a permanent error status and
// the enabled gauge).
func (s *delayScraper) start(_ context.Context, host component.Host) error {
	resolver, release, err := containerid.Acquire(host, s.cfg.ContainerIdentity, s.logger)
	if err != nil {
		return err
	}
	s.resolver, s.release = resolver, release
	s.procRoot = resolver.ProcRoot()
	s.sysctl = newDelayAcctSwitch(s.procRoot)
	s.procs = procScanner{root: s.procRoot}
	s.checkDelayAcct()

	// Taskstats takes pids in the caller's PID namespace; pids read from a
	// procfs of another namespace would be answered for the wrong processes.
	if same, ok := sameNamespaceAsHost(s.procRoot, "pid"); ok && !same {
		s.degrade(host, fmt.Errorf("the collector runs outside the PID namespace of %s (taskstats takes pids of the caller's namespace; use hostPID)", s.procRoot))
		return nil
	}
	conn, err := dialTaskstats()
	if err == nil {
		// Resolving the family works for anyone; queries need CAP_NET_ADMIN.
		// Ask once for the collector itself so an unprivileged run says so
		// now instead of counting a query error per process forever.
		if _, err = conn.threadGroup(uint32(os.Getpid())); err != nil {
			conn.Close()
		}
	}
	if err != nil {
		s.degrade(host, s.explainTaskstatsError(err))
		return nil
	}
	s.conn = conn
	if same, ok := sameNamespaceAsHost(s.procRoot, "net"); ok && !same {
		s.logger.Info("The collector runs outside the host network namespace; this kernel's taskstats answers there, older kernels only answer in the host one (use hostNetwork)")
	}

	if !s.cfg.ExitNotifications {
		return nil
	}
	exits, err := listenExits(possibleCPUs)
	if err != nil {
		// Scrapes still work; processes exiting between two of them lose
		// their last interval, which exits_lost counts.
		err = fmt.Errorf("exit notifications unavailable, delays of processes exiting between scrapes are lost (registration needs the host PID namespace): %w", err)
		s.logger.Warn("Delay accounting receiver runs without exit notifications", zap.Error(err))
		componentstatus.ReportStatus(host, componentstatus.NewPermanentErrorEvent(err))
		return nil
	}
	s.exits = exits
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.wg.Add(1)
	go s.listen(ctx)
	return nil
}

// explainTaskstatsError adds the usual cause to a failure to reach taskstats.
func (s *delayScraper) explainTaskstatsError(err error) error {
	if same, ok := sameNamespaceAsHost(s.procRoot, "net"); ok && !same {
		return fmt.Errorf("taskstats is only available in the host network namespace on this kernel and the collector runs in another one (use hostNetwork): %w", err)
	}
	return fmt.Errorf("taskstats unavailable (needs CAP_NET_ADMIN and a kernel with CONFIG_TASKSTATS): %w", err)
}

func (s *delayScraper) degrade(host component.Host, err error) {
	s.logger.Error("Delay accounting receiver cannot collect; it reports only whether the kernel switch is on", zap.Error(err))
	componentstatus.ReportStatus(host, componentstatus.NewPermanentErrorEvent(err))
}

// checkDelayAcct reads kernel.task_delayacct, turns it on when configured
// to, and logs each change of state once.
func (s *delayScraper) checkDelayAcct() delayAcctState {
	state, err := s.sysctl.state()
	if err != nil {
		if !s.stateKnown || s.lastState != delayAcctOff {
			s.logger.Warn("Cannot read the kernel delay accounting switch; reporting it as off", zap.Error(err))
		}
		s.lastState, s.stateKnown = delayAcctOff, true
		return delayAcctOff
	}
	if state == delayAcctOff && s.cfg.EnableDelayAcct && !s.stateKnown {
		if err := s.sysctl.enable(); err != nil {
			s.logger.Warn("Kernel delay accounting is off and could not be turned on; every delay stays at zero until kernel.task_delayacct=1", zap.Error(err))
			s.lastState, s.stateKnown = delayAcctOff, true
			return delayAcctOff
		}
		s.logger.Info("Turned kernel delay accounting on (kernel.task_delayacct=1), as enable_delayacct asks")
		state = delayAcctOn
	}
	if !s.stateKnown || state != s.lastState {
		switch state {
		case delayAcctOff:
			s.logger.Warn("Kernel delay accounting is off (kernel.task_delayacct=0); every delay stays at zero until it is turned on")
		case delayAcctOn, delayAcctAlwaysOn:
			if s.stateKnown {
				s.logger.Info("Kernel delay accounting is on again")
			}
		}
	}
	s.lastState, s.stateKnown = state, true
	return state
}

// listen hands exit notifications to the tracker until shutdown.
func (s *delayScraper) listen(ctx context.Context) {
	defer s.wg.Done()
	pause := time.NewTimer(exitCoalesce)
	defer pause.Stop()
	for {
		stopped, err := s.exits.wait()
		if stopped || ctx.Err() != nil {
			return
		}
		if err != nil {
			s.logger.Debug("Waiting for taskstats exit notifications", zap.Error(err))
			pause.Reset(exitRetryDelay)
		} else {
			// Let the rest of the burst queue, then read it in one go.
			pause.Reset(exitCoalesce)
		}
		select {
		case <-ctx.Done():
			return
		case <-pause.C:
		}
		overflows, err := s.exits.drain(s.handleExit)
		if overflows > 0 {
			s.tracker.countExitsLost(int64(overflows))
		}
		if err != nil {
			s.tracker.countExitsLost(1)
			s.logger.Debug("Receiving taskstats exit notifications", zap.Error(err))
		}
	}
}

// handleExit settles one exit; only an exit of a process nobody has seen,
// whose parent is unknown too, costs a /proc lookup (within the budget).
func (s *delayScraper) handleExit(n exitNotification) {
	now := time.Now()
	if s.tracker.exit(n, now) != exitNeedParent {
		return
	}
	ppid := n.task.stats.ppid
	if ppid == 0 || !s.lookups.take(now) {
		s.tracker.adopt(n, containerid.Identity{}, false, false, now)
		return
	}
	id, err := s.resolver.ByPID(int(ppid))
	if err != nil {
		s.tracker.adopt(n, containerid.Identity{}, false, false, now)
		return
	}
	s.tracker.adopt(n, id, s.wanted(id), true, now)
}

// wanted says whether processes with this identity are reported.
func (s *delayScraper) wanted(id containerid.Identity) bool {
	return id.IsContainer() || (s.cfg.IncludeSystemdServices && id.SystemdUnit != "")
}

func (s *delayScraper) shutdown(context.Context) error {
	var errs []error
	if s.cancel != nil {
		s.cancel()
	}
	if s.exits != nil {
		s.exits.Stop()
	}
	s.wg.Wait()
	if s.exits != nil {
		errs = append(errs, s.exits.Close())
	}
	if s.conn != nil {
		errs = append(errs, s.conn.Close())
	}
	if s.release != nil {
		errs = append(errs, s.release())
	}
	return errors.Join(errs...)
}

// scrape samples every container process and emits the containers' totals.
func (s *delayScraper) scrape(context.Context) (pmetric.Metrics, error) {
	now := time.Now()
	state := s.checkDelayAcct()
	var scanErr error
	if s.conn != nil {
		scanErr = s.sampleAll(now)
	}
	s.record(pcommon.NewTimestampFromTime(time.Now()), state)
	return s.mb.Emit(), scanErr
}

// sampleAll lists /proc, admits new processes and queries taskstats for the
// processes of tracked containers.
func (s *delayScraper) sampleAll(now time.Time) error {
	s.tracker.beginScan(now)
	pids, err := s.procs.listPIDs(s.pids[:0])
	s.pids = pids
	if err != nil {
		return err
	}
	sample := s.sample[:0]
	for _, pid := range pids {
		known, want := s.tracker.seen(pid)
		if !known {
			id, err := s.resolver.ByPID(int(pid))
			if errors.Is(err, containerid.ErrProcessNotFound) {
				continue
			}
			// An unreadable or unparsable cgroup file is remembered as
			// untracked rather than read again on every scrape.
			want = s.tracker.admit(pid, id, err == nil && s.wanted(id), now)
		}
		if want {
			sample = append(sample, pid)
		}
	}
	s.sample = sample
	for _, pid := range sample {
		rec, err := s.conn.threadGroup(pid)
		if err != nil {
			if !errors.Is(err, errProcessGone) {
				s.tracker.recordQueryError()
			}
			continue
		}
		s.pathBuf = s.pathBuf[:0]
		threads := s.procs.threadCount(pid, s.pathBuf)
		s.tracker.applySample(pid, rec.delays, threads, time.Now())
	}
	s.tracker.endScan(time.Now(), len(sample))
	return nil
}

// record writes one resource per container and one for the receiver's own
// metrics. Each container's identity goes through the resolver first (see
// tracker.refreshIdentities): names learned since the last scrape show from
// this one on, in every metric family of the container.
func (s *delayScraper) record(ts pcommon.Timestamp, state delayAcctState) {
	if s.resolver != nil {
		s.tracker.refreshIdentities(s.resolver.Refresh)
	}
	containers, st := s.tracker.snapshot()
	for _, c := range containers {
		s.mb.RecordContainerResourcesCPUDelayDataPoint(ts, seconds(c.total[cpuDelay]))
		s.mb.RecordContainerResourcesDiskDelayDataPoint(ts, seconds(c.total[diskDelay]))
		s.mb.RecordContainerResourcesMemoryReclaimDelayDataPoint(ts, seconds(c.total[memoryReclaimDelay]))
		s.mb.RecordContainerResourcesSwapinDelayDataPoint(ts, seconds(c.total[swapinDelay]))
		s.mb.RecordContainerResourcesThrashingDelayDataPoint(ts, seconds(c.total[thrashingDelay]))
		s.mb.RecordContainerResourcesCompactionDelayDataPoint(ts, seconds(c.total[compactionDelay]))
		// Through the generated builder, so the resource_attributes
		// switches apply.
		rb := s.mb.NewResourceBuilder()
		c.identity.SetResource(rb)
		s.mb.EmitForResource(metadata.WithResource(rb.Emit()),
			metadata.WithStartTimeOverride(pcommon.NewTimestampFromTime(c.since)))
	}

	enabled := int64(0)
	if state != delayAcctOff {
		enabled = 1
	}
	s.mb.RecordOtelcolNodeDelayAcctEnabledDataPoint(ts, enabled)
	s.mb.RecordOtelcolNodeDelayAcctProcessesDataPoint(ts, st.lastSampled)
	for k := range numDelayKinds {
		s.mb.RecordOtelcolNodeDelayAcctSamplesRejectedDataPoint(ts, st.rejected[k], metadata.MapAttributeDelay[k.String()])
	}
	for o := range numExitOutcomes {
		s.mb.RecordOtelcolNodeDelayAcctExitsDataPoint(ts, st.exits[o], metadata.MapAttributeOutcome[exitOutcomeNames[o]])
	}
	for r := range numDropReasons {
		s.mb.RecordOtelcolNodeDelayAcctProcessesDroppedDataPoint(ts, st.dropped[r], metadata.MapAttributeReason[dropReasonNames[r]])
	}
	s.mb.RecordOtelcolNodeDelayAcctExitsLostDataPoint(ts, st.exitsLost)
	s.mb.RecordOtelcolNodeDelayAcctQueryErrorsDataPoint(ts, st.queryErrors)
	// The receiver's own health carries no container attributes but its
	// component ID: two instances (delay_acct, delay_acct/2) would otherwise
	// emit identical series that collide on the Prometheus side.
	rb := s.mb.NewResourceBuilder()
	rb.SetOtelcolComponentID(s.settings.ID.String())
	s.mb.EmitForResource(metadata.WithResource(rb.Emit()))
}
