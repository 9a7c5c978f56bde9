// SPDX-License-Identifier: Apache-2.0

package sharedcomponent

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
)

type counting struct {
	starts, stops int
	startErr      error
}

func (c *counting) Start(context.Context, component.Host) error { c.starts++; return c.startErr }
func (c *counting) Shutdown(context.Context) error              { c.stops++; return nil }

func TestSharedStartsOnceStopsWithLastUser(t *testing.T) {
	m := NewMap[string, *counting]()
	created := 0
	create := func() (*counting, error) { created++; return &counting{}, nil }
	a, err := m.LoadOrStore("k", create)
	require.NoError(t, err)
	b, err := m.LoadOrStore("k", create)
	require.NoError(t, err)
	assert.Same(t, a, b)
	assert.Equal(t, 1, created)

	host := componenttest.NewNopHost()
	require.NoError(t, a.Start(context.Background(), host))
	require.NoError(t, b.Start(context.Background(), host))
	assert.Equal(t, 1, a.Unwrap().starts)

	require.NoError(t, a.Shutdown(context.Background()))
	assert.Equal(t, 0, a.Unwrap().stops, "one user left")
	assert.Equal(t, 1, m.Len())
	require.NoError(t, b.Shutdown(context.Background()))
	assert.Equal(t, 1, a.Unwrap().stops)
	assert.Equal(t, 0, m.Len())

	c, err := m.LoadOrStore("k", create)
	require.NoError(t, err)
	assert.NotSame(t, a, c, "a shut-down component is not handed out again")
	assert.Equal(t, 2, created)
}

func TestSharedCreateAndStartErrors(t *testing.T) {
	m := NewMap[string, *counting]()
	_, err := m.LoadOrStore("k", func() (*counting, error) { return nil, errors.New("boom") })
	require.EqualError(t, err, "boom")
	assert.Equal(t, 0, m.Len())

	c, err := m.LoadOrStore("k", func() (*counting, error) { return &counting{startErr: errors.New("no kernel")}, nil })
	require.NoError(t, err)
	assert.EqualError(t, c.Start(context.Background(), componenttest.NewNopHost()), "no kernel")
}

func TestSharedConcurrentUsers(t *testing.T) {
	m := NewMap[int, *counting]()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var got []*Component[*counting]
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := m.LoadOrStore(1, func() (*counting, error) { return &counting{}, nil })
			assert.NoError(t, err)
			mu.Lock()
			got = append(got, c)
			mu.Unlock()
		}()
	}
	wg.Wait()
	for _, c := range got {
		assert.Same(t, got[0], c)
	}
	for _, c := range got {
		wg.Add(1)
		go func() { defer wg.Done(); assert.NoError(t, c.Shutdown(context.Background())) }()
	}
	wg.Wait()
	assert.Equal(t, 1, got[0].Unwrap().stops)
	assert.Equal(t, 0, m.Len())
}
