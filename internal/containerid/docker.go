// SPDX-License-Identifier: Apache-2.0

package containerid // import "github.com/otelcol-node/otelcol-node/internal/containerid"

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

const (
	// maxInspectBody bounds what one inspect answer may make us read; real
	// answers are a few KiB.
	maxInspectBody = 4 << 20
	// dockerHost is a placeholder: the transport dials the unix socket whatever
	// the URL says.
	dockerHost = "docker"
)

var (
	// ErrDockerUnavailable means the Docker Engine API socket is absent or
	// refuses connections; the client stays quiet and retries after NegativeTTL.
	ErrDockerUnavailable = errors.New("docker engine API unavailable")
	// ErrContainerNotFound means the engine does not know the container id.
	ErrContainerNotFound = errors.New("container not known to the docker engine")
)

// DockerInfo is what the Docker Engine API tells about one container.
type DockerInfo struct {
	Name      string // without Docker's leading "/"
	ImageName string // Config.Image without tag or digest (container.image.name)
}

// DockerClientConfig configures a DockerClient; zero values take the Default* constants.
type DockerClientConfig struct {
	Socket      string
	MaxEntries  int
	Timeout     time.Duration
	NegativeTTL time.Duration
	PositiveTTL time.Duration
}

// DockerStats are the Docker client's counters.
type DockerStats struct {
	Requests    uint64 // HTTP requests sent to the engine
	CacheHits   uint64 // lookups answered from the cache (found or negative)
	NotFound    uint64 // requests answered 404
	Errors      uint64 // requests that failed otherwise (bad status, bad JSON, timeout)
	Unavailable uint64 // lookups refused because the socket is absent or refusing
	Evictions   uint64 // cache entries dropped to stay within MaxEntries
}

// DockerClient looks up container names with `GET /containers/<id>/json` on the
// Docker Engine API unix socket, using plain net/http. Answers, including
// "unknown" and failures, are cached in a bounded LRU cache. It is safe for
// concurrent use.
type DockerClient struct {
	cfg    DockerClientConfig
	logger *zap.Logger
	http   *http.Client
	now    func() time.Time

	mu               sync.Mutex
	cache            *lruCache[string, dockerAnswer]
	unavailableUntil time.Time
	unavailable      bool // last attempt found no engine; used to log transitions once

	requests, cacheHits, notFound, errs, refused, evictions atomic.Uint64
}

// dockerAnswer is one cached lookup result.
type dockerAnswer struct {
	info    DockerInfo
	err     error
	expires time.Time
}

// NewDockerClient prepares a client for the socket. It does not connect; an
// absent socket is noted with one Debug line and no error, because Docker is
// optional on a node.
func NewDockerClient(cfg DockerClientConfig, logger *zap.Logger) *DockerClient {
	if logger == nil {
		logger = zap.NewNop()
	}
	setDefault(&cfg.Socket, DefaultDockerSocket)
	setDefault(&cfg.MaxEntries, DefaultMaxEntries)
	setDefault(&cfg.Timeout, DefaultDockerTimeout)
	setDefault(&cfg.NegativeTTL, DefaultDockerNegativeTTL)
	setDefault(&cfg.PositiveTTL, DefaultDockerPositiveTTL)
	socket := cfg.Socket
	dialer := &net.Dialer{}
	c := &DockerClient{
		cfg:    cfg,
		logger: logger,
		http: &http.Client{
			Timeout: cfg.Timeout,
			Transport: &http.Transport{
				DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
					return dialer.DialContext(ctx, "unix", socket)
				},
				MaxIdleConns:    2,
				IdleConnTimeout: 30 * time.Second,
			},
		},
		now:   time.Now,
		cache: newLRUCache[string, dockerAnswer](cfg.MaxEntries),
	}
	if _, err := os.Stat(socket); err != nil {
		c.unavailable = true
		c.unavailableUntil = c.now().Add(cfg.NegativeTTL)
		logger.Debug("Docker Engine API socket not found; container names from Docker are off until it appears",
			zap.String("docker.socket", socket), zap.Error(err))
	}
	return c
}

// Lookup returns the name and image of a container by its 64-hex id.
func (c *DockerClient) Lookup(ctx context.Context, containerID string) (DockerInfo, error) {
	if !isContainerID(containerID) {
		return DockerInfo{}, fmt.Errorf("looking up container %q: not a 64-hex container id", containerID)
	}
	now := c.now()
	c.mu.Lock()
	if a, ok := c.cache.get(containerID); ok && now.Before(a.expires) {
		c.mu.Unlock()
		c.cacheHits.Add(1)
		return a.info, a.err
	}
	if now.Before(c.unavailableUntil) {
		c.mu.Unlock()
		c.refused.Add(1)
		return DockerInfo{}, ErrDockerUnavailable
	}
	c.mu.Unlock()

	info, err := c.inspect(ctx, containerID)
	c.mu.Lock()
	defer c.mu.Unlock()
	if errors.Is(err, ErrDockerUnavailable) {
		c.refused.Add(1)
		c.unavailableUntil = c.now().Add(c.cfg.NegativeTTL)
		if !c.unavailable {
			c.unavailable = true
			c.logger.Debug("Docker Engine API unavailable; container names from Docker are off for a while",
				zap.String("docker.socket", c.cfg.Socket), zap.Error(err))
		}
		return DockerInfo{}, err
	}
	if c.unavailable {
		c.unavailable = false
		c.logger.Debug("Docker Engine API available", zap.String("docker.socket", c.cfg.Socket))
	}
	ttl := c.cfg.PositiveTTL
	if err != nil {
		ttl = c.cfg.NegativeTTL
	}
	if c.cache.put(containerID, dockerAnswer{info: info, err: err, expires: c.now().Add(ttl)}) {
		c.evictions.Add(1)
	}
	return info, err
}

// Stats returns a snapshot of the counters.
func (c *DockerClient) Stats() DockerStats {
	return DockerStats{
		Requests:    c.requests.Load(),
		CacheHits:   c.cacheHits.Load(),
		NotFound:    c.notFound.Load(),
		Errors:      c.errs.Load(),
		Unavailable: c.refused.Load(),
		Evictions:   c.evictions.Load(),
	}
}

// Close drops idle connections to the engine.
func (c *DockerClient) Close() {
	c.http.CloseIdleConnections()
}

// inspectResponse is the part of the engine's ContainerJSON we read.
type inspectResponse struct {
	Name   string `json:"Name"`
	Config *struct {
		Image string `json:"Image"`
	} `json:"Config"`
}

func (c *DockerClient) inspect(ctx context.Context, containerID string) (DockerInfo, error) {
	c.requests.Add(1)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+dockerHost+"/containers/"+containerID+"/json", http.NoBody)
	if err != nil {
		c.errs.Add(1)
		return DockerInfo{}, fmt.Errorf("inspecting container %s: %w", containerID, err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		var opErr *net.OpError
		if errors.As(err, &opErr) && opErr.Op == "dial" {
			return DockerInfo{}, fmt.Errorf("%w: %w", ErrDockerUnavailable, err)
		}
		c.errs.Add(1)
		return DockerInfo{}, fmt.Errorf("inspecting container %s: %w", containerID, err)
	}
	defer resp.Body.Close()
	body := io.LimitReader(resp.Body, maxInspectBody)
	switch {
	case resp.StatusCode == http.StatusNotFound:
		c.notFound.Add(1)
		_, _ = io.Copy(io.Discard, body) // let the connection be reused
		return DockerInfo{}, fmt.Errorf("inspecting container %s: %w", containerID, ErrContainerNotFound)
	case resp.StatusCode != http.StatusOK:
		c.errs.Add(1)
		_, _ = io.Copy(io.Discard, body)
		return DockerInfo{}, fmt.Errorf("inspecting container %s: unexpected HTTP status %s", containerID, resp.Status)
	}
	var ir inspectResponse
	if err := json.NewDecoder(body).Decode(&ir); err != nil {
		c.errs.Add(1)
		return DockerInfo{}, fmt.Errorf("decoding inspect answer for container %s: %w", containerID, err)
	}
	info := DockerInfo{Name: strings.TrimPrefix(ir.Name, "/")}
	if ir.Config != nil {
		info.ImageName = imageNameFromRef(ir.Config.Image)
	}
	return info, nil
}

// imageNameFromRef drops the tag and digest of an image reference, as
// container.image.name wants ("registry:5000/app:1.2@sha256:…" -> "registry:5000/app").
// A bare image id ("sha256:…") has no name and is kept whole.
func imageNameFromRef(ref string) string {
	if strings.HasPrefix(ref, "sha256:") {
		return ref
	}
	if i := strings.IndexByte(ref, '@'); i >= 0 {
		ref = ref[:i]
	}
	if i := strings.LastIndexByte(ref, ':'); i > strings.LastIndexByte(ref, '/') {
		ref = ref[:i]
	}
	return ref
}
