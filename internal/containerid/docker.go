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
	"strings"
	"time"
)

const (
	// maxInspectBody bounds what one inspect answer may make us read; real
	// answers are a few KiB.
	maxInspectBody = 4 << 20
	// maxListBody bounds a container listing: about 1 KiB per container, so
	// far more than MaxEntries containers fit.
	maxListBody = 64 << 20
	// dockerHost is a placeholder: the transport dials the unix socket whatever
	// the URL says.
	dockerHost = "docker"
)

var (
	// ErrDockerUnavailable means the Docker Engine API socket is absent or
	// refuses connections; DockerNames stays quiet and reconnects with backoff.
	ErrDockerUnavailable = errors.New("docker engine API unavailable")
	// ErrContainerNotFound means the engine does not know the container id.
	ErrContainerNotFound = errors.New("container not known to the docker engine")
)

// DockerInfo is what the Docker Engine API tells about one container.
type DockerInfo struct {
	Name      string // without Docker's leading "/"
	ImageName string // Config.Image without tag or digest (container.image.name)
}

// DockerClientConfig configures DockerNames; zero values take the Default* constants.
type DockerClientConfig struct {
	Socket      string
	MaxEntries  int
	Timeout     time.Duration
	NegativeTTL time.Duration
	PositiveTTL time.Duration
}

// DockerStats are the counters of DockerNames.
type DockerStats struct {
	Requests    uint64 // HTTP requests sent to the engine: inspects, listings and event subscriptions
	CacheHits   uint64 // Cached calls that found names
	CacheMisses uint64 // Cached calls that found no names
	NotFound    uint64 // inspects answered 404
	Errors      uint64 // engine API failures other than an absent engine: bad status, bad JSON, timeout, broken event stream
	Unavailable uint64 // attempts that found no engine
	Evictions   uint64 // cache entries dropped to stay within MaxEntries (unknown ids, then destroyed containers, before their time)

	Entries         int    // live containers, retained destroyed ones and unknown ids cached now
	DroppedAtCap    uint64 // live containers not cached, or not requested, because MaxEntries live containers are cached
	RequestsQueued  uint64 // ids Request queued for a background inspect
	RequestsDropped uint64 // Request calls refused because the inspect queue was full
	Events          uint64 // container events received from the engine
	Reconnects      uint64 // connection attempts after the first (after a failure or the end of the event stream)
	Lists           uint64 // full container listings applied (one per successful connection)
}

// withDefaults returns cfg with zero fields replaced by the Default* constants.
func (cfg DockerClientConfig) withDefaults() DockerClientConfig {
	setDefault(&cfg.Socket, DefaultDockerSocket)
	setDefault(&cfg.MaxEntries, DefaultMaxEntries)
	setDefault(&cfg.Timeout, DefaultDockerTimeout)
	setDefault(&cfg.NegativeTTL, DefaultDockerNegativeTTL)
	setDefault(&cfg.PositiveTTL, DefaultDockerPositiveTTL)
	return cfg
}

// newEngineTransport returns a transport whose every connection dials the
// engine's unix socket, whatever host the request URL names. The header
// timeout also bounds the event stream's start, which has no overall timeout.
func newEngineTransport(socket string, timeout time.Duration) *http.Transport {
	dialer := &net.Dialer{}
	return &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, "unix", socket)
		},
		MaxIdleConns:          2,
		IdleConnTimeout:       30 * time.Second,
		ResponseHeaderTimeout: timeout,
	}
}

// inspectResponse is the part of the engine's ContainerJSON we read.
type inspectResponse struct {
	Name   string `json:"Name"`
	Config *struct {
		Image string `json:"Image"`
	} `json:"Config"`
}

// inspectContainer asks the engine for one container. Its errors wrap
// ErrDockerUnavailable when no engine answers the socket and
// ErrContainerNotFound when the engine does not know the id.
func inspectContainer(ctx context.Context, client *http.Client, containerID string) (DockerInfo, error) {
	body, err := engineGet(ctx, client, "/containers/"+containerID+"/json")
	if err != nil {
		return DockerInfo{}, fmt.Errorf("inspecting container %s: %w", containerID, err)
	}
	defer body.Close()
	var ir inspectResponse
	if err := json.NewDecoder(io.LimitReader(body, maxInspectBody)).Decode(&ir); err != nil {
		return DockerInfo{}, fmt.Errorf("decoding inspect answer for container %s: %w", containerID, err)
	}
	info := DockerInfo{Name: strings.TrimPrefix(ir.Name, "/")}
	if ir.Config != nil {
		info.ImageName = imageNameFromRef(ir.Config.Image)
	}
	return info, nil
}

// listedContainer is the part of one entry of `GET /containers/json` we read.
type listedContainer struct {
	ID    string   `json:"Id"`
	Names []string `json:"Names"`
	Image string   `json:"Image"`
}

// info returns the container's name and image. A container reached through
// legacy links has extra names like "/web/db"; its own name has no inner "/".
func (lc listedContainer) info() DockerInfo {
	info := DockerInfo{ImageName: imageNameFromRef(lc.Image)}
	for _, n := range lc.Names {
		n = strings.TrimPrefix(n, "/")
		if !strings.Contains(n, "/") {
			info.Name = n
			return info
		}
	}
	if len(lc.Names) > 0 {
		info.Name = strings.TrimPrefix(lc.Names[0], "/")
	}
	return info
}

// listContainers returns every container the engine has, stopped ones too.
func listContainers(ctx context.Context, client *http.Client) ([]listedContainer, error) {
	body, err := engineGet(ctx, client, "/containers/json?all=1")
	if err != nil {
		return nil, fmt.Errorf("listing containers: %w", err)
	}
	defer body.Close()
	var list []listedContainer
	if err := json.NewDecoder(io.LimitReader(body, maxListBody)).Decode(&list); err != nil {
		return nil, fmt.Errorf("decoding container list: %w", err)
	}
	return list, nil
}

// containerEventsPath subscribes to container events only; the filter is the
// URL-encoded JSON {"type":["container"]}.
const containerEventsPath = "/events?filters=%7B%22type%22%3A%5B%22container%22%5D%7D"

// openContainerEvents starts the engine's stream of container events, one JSON
// object per event, until ctx ends or the engine closes it. client must have
// no overall timeout.
func openContainerEvents(ctx context.Context, client *http.Client) (io.ReadCloser, error) {
	body, err := engineGet(ctx, client, containerEventsPath)
	if err != nil {
		return nil, fmt.Errorf("subscribing to container events: %w", err)
	}
	return body, nil
}

// engineGet sends one GET to the engine and returns the body of a 200 answer.
// Other answers are drained (so the connection is reused) and turned into
// errors; a 404 wraps ErrContainerNotFound, a failed dial ErrDockerUnavailable.
func engineGet(ctx context.Context, client *http.Client, pathAndQuery string) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+dockerHost+pathAndQuery, http.NoBody)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		var opErr *net.OpError
		if errors.As(err, &opErr) && opErr.Op == "dial" {
			return nil, fmt.Errorf("%w: %w", ErrDockerUnavailable, err)
		}
		return nil, err
	}
	if resp.StatusCode == http.StatusOK {
		return resp.Body, nil
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxInspectBody))
	resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil, ErrContainerNotFound
	}
	return nil, fmt.Errorf("unexpected HTTP status %s", resp.Status)
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
