// SPDX-License-Identifier: Apache-2.0

package cloudmeta // import "github.com/otelcol-node/otelcol-node/processor/cloudmetadataprocessor/internal/cloudmeta"

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"go.uber.org/zap"
)

// tokenTTLSeconds is the session token lifetime we ask for (the documented
// maximum of AWS IMDSv2: 6 hours). A token is requested once per round, so
// the lifetime only has to outlast one round.
const tokenTTLSeconds = "21600"

// tokenHeaders names the headers of an IMDSv2-style token flow.
type tokenHeaders struct{ ttl, token string }

var (
	// AWS EC2 User Guide, "Use IMDSv2".
	awsTokenHeaders = tokenHeaders{ttl: "X-aws-ec2-metadata-token-ttl-seconds", token: "X-aws-ec2-metadata-token"}
	// Alibaba Cloud ECS "Instance metadata", security hardening mode.
	alibabaTokenHeaders = tokenHeaders{ttl: "X-aliyun-ecs-metadata-token-ttl-seconds", token: "X-aliyun-ecs-metadata-token"}
)

const tokenPath = "/latest/api/token"

var errEmptyToken = errors.New("empty or invalid token in answer")

// tokenSession implements the session-token flow shared by AWS IMDSv2 and
// Alibaba's hardened mode: PUT /latest/api/token, then send the token on
// every GET. When the PUT fails it falls back to token-less GETs (IMDSv1):
// inside a pod the PUT answer is dropped when the instance's hop limit is 1,
// while v1 GETs may still be allowed.
type tokenSession struct {
	h       *httpGetter
	headers tokenHeaders
	logger  *zap.Logger
	token   string
	// v1Logged keeps the fallback notice to one Info line per process; later
	// fallbacks are Debug, since the answer will not change.
	v1Logged bool
}

func newTokenSession(h *httpGetter, headers tokenHeaders, logger *zap.Logger) *tokenSession {
	return &tokenSession{h: h, headers: headers, logger: logger}
}

// begin starts a round by asking for a fresh token; it never fails: without
// a token the round uses IMDSv1.
func (s *tokenSession) begin(ctx context.Context) {
	body, _, err := s.h.do(ctx, http.MethodPut, tokenPath, http.Header{s.headers.ttl: {tokenTTLSeconds}})
	token := strings.TrimSpace(string(body))
	if err == nil && token != "" && ValidValue(token) {
		s.token = token
		return
	}
	s.token = ""
	if err == nil {
		err = errEmptyToken
	}
	if s.v1Logged {
		s.logger.Debug("metadata token request failed, using IMDSv1", zap.Error(err))
		return
	}
	s.v1Logged = true
	s.logger.Info("metadata token request failed, falling back to IMDSv1 (token-less) requests", zap.Error(err))
}

func (s *tokenSession) get(ctx context.Context, path string) ([]byte, error) {
	var header http.Header
	if s.token != "" {
		header = http.Header{s.headers.token: {s.token}}
	}
	body, _, err := s.h.do(ctx, http.MethodGet, path, header)
	return body, err
}
