// SPDX-License-Identifier: Apache-2.0

package cloudmeta // import "github.com/otelcol-node/otelcol-node/processor/cloudmetadataprocessor/internal/cloudmeta"

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"go.uber.org/zap"
)

// maxBodyBytes caps a metadata response. The largest real answer (Azure's
// full instance document) is a few KiB; anything far larger is junk.
const maxBodyBytes = 1 << 20

// ErrPartial marks a fetch that produced a usable Instance with some fields
// missing; see the package doc.
var ErrPartial = errors.New("some metadata fields are missing")

// Client reads one provider's metadata service.
type Client interface {
	// Fetch performs one round of requests; see the package doc for the
	// meaning of the error.
	Fetch(ctx context.Context) (Instance, error)
}

// NewClient returns the client of provider p for the metadata service at
// endpoint (the provider default when empty). timeout bounds each request.
// Every client validates what it read (see checkedClient).
func NewClient(p Provider, endpoint string, timeout time.Duration, logger *zap.Logger) (Client, error) {
	if endpoint == "" {
		endpoint = p.DefaultEndpoint()
	}
	c, err := newProviderClient(p, newHTTPGetter(strings.TrimRight(endpoint, "/"), timeout), logger)
	if err != nil {
		return nil, err
	}
	return checkedClient{provider: p, client: c}, nil
}

func newProviderClient(p Provider, h *httpGetter, logger *zap.Logger) (Client, error) {
	switch p {
	case ProviderAWS:
		return &awsClient{imds: newTokenSession(h, awsTokenHeaders, logger)}, nil
	case ProviderGCP:
		return &gcpClient{h: h}, nil
	case ProviderAzure:
		return &azureClient{h: h}, nil
	case ProviderHetzner:
		return &hetznerClient{h: h}, nil
	case ProviderDigitalOcean:
		return &digitalOceanClient{h: h}, nil
	case ProviderOracle:
		return &oracleClient{h: h}, nil
	case ProviderAlibaba:
		return &alibabaClient{imds: newTokenSession(h, alibabaTokenHeaders, logger)}, nil
	case ProviderScaleway:
		return &scalewayClient{h: h}, nil
	}
	return nil, fmt.Errorf("no metadata client for provider %q", p)
}

// StatusError is a non-200 answer of the metadata service.
type StatusError struct {
	Path string
	Code int
	// Detail is the service's own error message, when it sent one.
	Detail string
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("GET %s: HTTP %d %s", e.Path, e.Code, http.StatusText(e.Code))
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// httpGetter sends requests to one metadata service. It bypasses any HTTP
// proxy on purpose: metadata services are link-local, and Azure refuses
// proxied requests (X-Forwarded-For).
type httpGetter struct {
	base   string
	client *http.Client
}

func newHTTPGetter(base string, timeout time.Duration) *httpGetter {
	return &httpGetter{
		base: base,
		client: &http.Client{
			Timeout: timeout,
			// One round every refresh interval: keep-alive would save
			// nothing and leave idle connections open between rounds.
			Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
			// A metadata service never redirects; following one could send
			// the request (and an IMDS token) somewhere else.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
}

// do sends one request and returns the body of a 200 answer. Transport
// failures come back as *transportError, non-200 answers as *StatusError.
func (h *httpGetter) do(ctx context.Context, method, path string, header http.Header) ([]byte, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, method, h.base+path, http.NoBody)
	if err != nil {
		return nil, nil, fmt.Errorf("building request for %s: %w", path, err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return nil, nil, &transportError{err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes+1))
	if err != nil {
		return nil, nil, &transportError{err: fmt.Errorf("reading %s: %w", path, err)}
	}
	if len(body) > maxBodyBytes {
		return nil, nil, fmt.Errorf("%s %s: response larger than %d bytes", method, path, maxBodyBytes)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, nil, &StatusError{Path: path, Code: resp.StatusCode, Detail: errorDetail(body)}
	}
	return body, resp.Header, nil
}

// errorDetail keeps a short, printable excerpt of an error body: Azure, for
// one, says what was wrong in its JSON "error" field ("api-version is
// invalid ..."). Whitespace runs collapse to one space so the excerpt fits
// on one log line.
func errorDetail(body []byte) string {
	const maxDetail = 200
	var doc struct {
		Error string `json:"error"`
	}
	s := string(body)
	if json.Unmarshal(body, &doc) == nil && doc.Error != "" {
		s = doc.Error
	}
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > maxDetail {
		s = s[:maxDetail] + "..."
	}
	if !ValidValue(s) {
		return ""
	}
	return s
}

// transportError means the service could not be reached or did not answer
// in time; the fetch round stops at the first one.
type transportError struct{ err error }

func (e *transportError) Error() string { return e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }

func isTransport(err error) bool {
	var te *transportError
	return errors.As(err, &te)
}
