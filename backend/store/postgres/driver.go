package postgres

import (
	"context"
	"database/sql/driver"
	"errors"
	"strconv"
	"strings"
	"sync"

	"github.com/flowdesk/flowdesk/backend/store"
)

// placeholders is the connector of the store's connections: it hands pgx's stdlib connections
// out wrapped so the store's queries, written with SQLite's "?" placeholders, get PostgreSQL's
// $1, $2, ... and Go bools arrive as 0/1 (the flag columns are BIGINT, as on SQLite).
type placeholders struct{ driver.Connector }

func (p placeholders) Connect(ctx context.Context) (driver.Conn, error) {
	c, err := p.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &conn{Conn: c}, nil
}

// conn forwards to pgx's stdlib connection, rewriting each query first; held are the
// statements it holds for the next round trip (see pipeline.go).
type conn struct {
	driver.Conn
	held *held
}

// The optional interfaces pgx's stdlib connection implements.
type stdConn interface {
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
}

func (c *conn) std() stdConn { return c.Conn.(stdConn) }

func (c *conn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *conn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.std().PrepareContext(ctx, rewrite(query))
}

func (c *conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	c.held = nil
	if store.Pipe(ctx) == store.PipeLater && opts == (driver.TxOptions{}) {
		return c.beginPiped(ctx), nil
	}
	return c.std().BeginTx(ctx, opts)
}

func (c *conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	return c.execPiped(ctx, rewrite(query), args)
}

func (c *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	return c.queryPiped(ctx, rewrite(query), args)
}

func (c *conn) Ping(ctx context.Context) error              { return c.std().Ping(ctx) }
func (c *conn) ResetSession(ctx context.Context) error      { return c.std().ResetSession(ctx) }
func (c *conn) Begin() (driver.Tx, error)                   { return c.BeginTx(context.Background(), driver.TxOptions{}) }
func (c *conn) CheckNamedValue(nv *driver.NamedValue) error { return checkValue(nv) }

// checkValue passes every value to pgx as is (it encodes them natively), except bools, which
// the BIGINT flag columns take as 0/1.
func checkValue(nv *driver.NamedValue) error {
	if b, ok := nv.Value.(bool); ok {
		if b {
			nv.Value = int64(1)
		} else {
			nv.Value = int64(0)
		}
	}
	return nil
}

var errUnterminated = errors.New("unterminated quote in query")

// rewritten caches rewrites: the store's queries are mostly fixed strings. Queries with a
// varying number of placeholders (IN lists) are not kept once the cache is full.
var rewritten = struct {
	sync.RWMutex
	m map[string]string
}{m: map[string]string{}}

const maxRewritten = 4096

// rewrite turns each ? outside quotes and comments into $n.
func rewrite(query string) string {
	rewritten.RLock()
	out, ok := rewritten.m[query]
	rewritten.RUnlock()
	if ok {
		return out
	}
	out, err := number(query)
	if err != nil {
		return query // PostgreSQL reports the syntax error itself
	}
	rewritten.Lock()
	if len(rewritten.m) < maxRewritten {
		rewritten.m[query] = out
	}
	rewritten.Unlock()
	return out
}

func number(query string) (string, error) {
	if !strings.Contains(query, "?") {
		return query, nil
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		ch := query[i]
		switch {
		case ch == '\'' || ch == '"':
			j := i + 1
			for ; j < len(query); j++ {
				if query[j] == ch {
					if j+1 < len(query) && query[j+1] == ch { // doubled quote
						j++
						continue
					}
					break
				}
			}
			if j >= len(query) {
				return "", errUnterminated
			}
			b.WriteString(query[i : j+1])
			i = j
		case ch == '-' && i+1 < len(query) && query[i+1] == '-':
			j := strings.IndexByte(query[i:], '\n')
			if j < 0 {
				b.WriteString(query[i:])
				return b.String(), nil
			}
			b.WriteString(query[i : i+j+1])
			i += j
		case ch == '?':
			// ?NNN names parameter NNN; a bare ? is the one after the highest so far (SQLite's rule).
			j := i + 1
			for j < len(query) && query[j] >= '0' && query[j] <= '9' {
				j++
			}
			if j > i+1 {
				k, _ := strconv.Atoi(query[i+1 : j])
				n = max(n, k)
				b.WriteByte('$')
				b.WriteString(query[i+1 : j])
				i = j - 1
				continue
			}
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(ch)
		}
	}
	return b.String(), nil
}
