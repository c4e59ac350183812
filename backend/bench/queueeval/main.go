// Command queueeval measures two PostgreSQL job queues on the workload of Flowdesk's
// dispatcher, to choose between them (docs/scale-out.md has the figures and the choice):
//
//   - river (github.com/riverqueue/river with riverpgxv5): each step runs as a river job whose
//     results, follow-up job (InsertTx) and completion (JobCompleteTx) commit in one transaction;
//   - skiplocked: the hand-written queue of backend/store/postgres: a worker claims a batch with
//     FOR UPDATE SKIP LOCKED, bumps each job's attempt, and commits the whole batch's results in
//     one transaction in which each job's delete is fenced by its attempt.
//
// The workload is N enrollments of K steps. Each step appends a history row, updates its
// enrollment, bumps a per-step counter (a hot row, as Flowdesk's step counts are) and schedules
// the next step. At the end the run checks exactly-once effects: one history row per
// (enrollment, step), every enrollment at step K, every counter at N.
//
// It is its own Go module so that river stays out of Flowdesk's go.mod unless it wins. Run it
// with a PostgreSQL superuser's socket (it creates and drops a scratch database):
//
//	cd backend/bench/queueeval && go run . -enrollments 3000 -workers 8
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

type config struct {
	dsn         string
	enrollments int
	steps       int
	workers     int
	batch       int
	queues      string
}

func main() {
	var c config
	flag.StringVar(&c.dsn, "dsn", "host=/var/run/postgresql dbname=postgres", "PostgreSQL connection of a role that may create databases")
	flag.IntVar(&c.enrollments, "enrollments", 3000, "enrollments to run")
	flag.IntVar(&c.steps, "steps", 3, "steps per enrollment")
	flag.IntVar(&c.workers, "workers", 8, "concurrent workers (river MaxWorkers; skiplocked claim loops)")
	flag.IntVar(&c.batch, "batch", 64, "skiplocked: jobs per claim and per commit")
	flag.StringVar(&c.queues, "queues", "skiplocked,river", "queues to measure, comma-separated")
	flag.Parse()
	ctx := context.Background()
	fmt.Printf("workload: %d enrollments x %d steps = %d jobs, %d workers\n", c.enrollments, c.steps, c.enrollments*c.steps, c.workers)
	fmt.Printf("%-11s %9s %10s %9s %s\n", "queue", "jobs", "seconds", "jobs/s", "exactly once")
	for _, q := range strings.Split(c.queues, ",") {
		if err := measure(ctx, c, q); err != nil {
			fmt.Fprintf(os.Stderr, "queueeval: %s: %v\n", q, err)
			os.Exit(1)
		}
	}
}

func measure(ctx context.Context, c config, queue string) error {
	name := fmt.Sprintf("pgq_eval_%s_%d", queue, os.Getpid())
	admin, err := pgx.Connect(ctx, c.dsn)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return fmt.Errorf("create scratch database: %w", err)
	}
	defer func() { _, _ = admin.Exec(ctx, "DROP DATABASE "+name+" WITH (FORCE)") }()
	cfg, err := pgxpool.ParseConfig(c.dsn + " dbname=" + name)
	if err != nil {
		return err
	}
	cfg.MaxConns = int32(c.workers + 4)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	if _, err := pool.Exec(ctx, schema); err != nil {
		return fmt.Errorf("schema: %w", err)
	}
	if _, err := pool.Exec(ctx, "INSERT INTO enrollments (id) SELECT g FROM generate_series(1, $1) g", c.enrollments); err != nil {
		return err
	}
	if _, err := pool.Exec(ctx, "INSERT INTO step_counts (step) SELECT g FROM generate_series(1, $1) g", c.steps); err != nil {
		return err
	}
	var elapsed time.Duration
	switch queue {
	case "skiplocked":
		elapsed, err = runSkipLocked(ctx, pool, c)
	case "river":
		elapsed, err = runRiver(ctx, pool, c)
	default:
		return fmt.Errorf("unknown queue %q (want skiplocked or river)", queue)
	}
	if err != nil {
		return err
	}
	verdict, err := check(ctx, pool, c)
	if err != nil {
		return err
	}
	jobs := c.enrollments * c.steps
	fmt.Printf("%-11s %9d %10.2f %9.0f %s\n", queue, jobs, elapsed.Seconds(), float64(jobs)/elapsed.Seconds(), verdict)
	return nil
}

const schema = `
CREATE TABLE enrollments (id bigint PRIMARY KEY, step int NOT NULL DEFAULT 0, steps_run int NOT NULL DEFAULT 0);
CREATE TABLE history (id bigserial PRIMARY KEY, enrollment_id bigint NOT NULL, step int NOT NULL);
CREATE TABLE step_counts (step int PRIMARY KEY, n bigint NOT NULL DEFAULT 0);
CREATE TABLE jobs (
	id bigserial PRIMARY KEY, enrollment_id bigint NOT NULL, step int NOT NULL,
	state text NOT NULL DEFAULT 'available', run_at timestamptz NOT NULL DEFAULT now(),
	lease_until timestamptz, attempt int NOT NULL DEFAULT 0);
CREATE INDEX jobs_due ON jobs (run_at) WHERE state = 'available';
`

// step writes one step's results, as a Flowdesk commit does.
func step(ctx context.Context, tx pgx.Tx, enrollment int64, n int) error {
	b := &pgx.Batch{}
	b.Queue("INSERT INTO history (enrollment_id, step) VALUES ($1, $2)", enrollment, n)
	b.Queue("UPDATE enrollments SET step = $2, steps_run = steps_run + 1 WHERE id = $1", enrollment, n)
	b.Queue("UPDATE step_counts SET n = n + 1 WHERE step = $1", n)
	return tx.SendBatch(ctx, b).Close()
}

// runSkipLocked runs the workload on the hand-written queue: claim a batch, commit the batch.
func runSkipLocked(ctx context.Context, pool *pgxpool.Pool, c config) (time.Duration, error) {
	if _, err := pool.Exec(ctx, "INSERT INTO jobs (enrollment_id, step) SELECT id, 1 FROM enrollments"); err != nil {
		return 0, err
	}
	total := int64(c.enrollments * c.steps)
	var done atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, c.workers)
	for range c.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for done.Load() < total {
				n, err := skipLockedRound(ctx, pool, c)
				if err != nil {
					errs <- err
					return
				}
				done.Add(int64(n))
				if n == 0 {
					time.Sleep(time.Millisecond)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return time.Since(start), <-errs
}

type claim struct {
	id, enrollment int64
	step, attempt  int
}

func skipLockedRound(ctx context.Context, pool *pgxpool.Pool, c config) (int, error) {
	rows, err := pool.Query(ctx, `UPDATE jobs SET state = 'running', attempt = attempt + 1, lease_until = now() + interval '30 seconds'
		WHERE id IN (SELECT id FROM jobs WHERE state = 'available' AND run_at <= now() ORDER BY run_at LIMIT $1 FOR UPDATE SKIP LOCKED)
		RETURNING id, enrollment_id, step, attempt`, c.batch)
	if err != nil {
		return 0, err
	}
	claims, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (claim, error) {
		var cl claim
		return cl, r.Scan(&cl.id, &cl.enrollment, &cl.step, &cl.attempt)
	})
	if err != nil || len(claims) == 0 {
		return 0, err
	}
	// One transaction for the batch: each job's delete is fenced by its attempt; a job whose
	// lease was lost contributes nothing. Counters are summed per step, as a batch commit does.
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		ids := make([]int64, len(claims))
		attempts := make([]int32, len(claims))
		for i, cl := range claims {
			ids[i], attempts[i] = cl.id, int32(cl.attempt)
		}
		rows, err := tx.Query(ctx, `DELETE FROM jobs j USING unnest($1::bigint[], $2::int[]) AS c(id, attempt)
			WHERE j.id = c.id AND j.attempt = c.attempt AND j.state = 'running' RETURNING j.id`, ids, attempts)
		if err != nil {
			return err
		}
		held, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		kept := map[int64]bool{}
		for _, id := range held {
			kept[id] = true
		}
		var enr, next []int64
		var steps, nextSteps []int32
		counts := map[int]int{}
		for _, cl := range claims {
			if !kept[cl.id] {
				continue
			}
			enr, steps = append(enr, cl.enrollment), append(steps, int32(cl.step))
			counts[cl.step]++
			if cl.step < c.steps {
				next, nextSteps = append(next, cl.enrollment), append(nextSteps, int32(cl.step+1))
			}
		}
		b := &pgx.Batch{}
		b.Queue("INSERT INTO history (enrollment_id, step) SELECT * FROM unnest($1::bigint[], $2::int[])", enr, steps)
		b.Queue(`UPDATE enrollments e SET step = c.step, steps_run = steps_run + 1
			FROM unnest($1::bigint[], $2::int[]) AS c(id, step) WHERE e.id = c.id`, enr, steps)
		for s, n := range counts {
			b.Queue("UPDATE step_counts SET n = n + $2 WHERE step = $1", s, n)
		}
		if len(next) > 0 {
			b.Queue("INSERT INTO jobs (enrollment_id, step) SELECT * FROM unnest($1::bigint[], $2::int[])", next, nextSteps)
		}
		return tx.SendBatch(ctx, b).Close()
	})
	return len(claims), err
}

type stepArgs struct {
	Enrollment int64 `json:"e"`
	Step       int   `json:"s"`
}

func (stepArgs) Kind() string { return "step" }

type stepWorker struct {
	river.WorkerDefaults[stepArgs]
	pool   *pgxpool.Pool
	client func() *river.Client[pgx.Tx]
	steps  int
	done   *atomic.Int64
	finish chan struct{}
	total  int64
}

// Work commits the step's results, its follow-up job and its completion in one transaction.
func (w *stepWorker) Work(ctx context.Context, job *river.Job[stepArgs]) error {
	err := pgx.BeginFunc(ctx, w.pool, func(tx pgx.Tx) error {
		if err := step(ctx, tx, job.Args.Enrollment, job.Args.Step); err != nil {
			return err
		}
		if job.Args.Step < w.steps {
			if _, err := w.client().InsertTx(ctx, tx, stepArgs{job.Args.Enrollment, job.Args.Step + 1}, nil); err != nil {
				return err
			}
		}
		_, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx, job)
		return err
	})
	if err == nil && w.done.Add(1) == w.total {
		close(w.finish)
	}
	return err
}

func runRiver(ctx context.Context, pool *pgxpool.Pool, c config) (time.Duration, error) {
	driver := riverpgxv5.New(pool)
	migrator, err := rivermigrate.New(driver, nil)
	if err != nil {
		return 0, err
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return 0, fmt.Errorf("river migrations: %w", err)
	}
	var client *river.Client[pgx.Tx]
	w := &stepWorker{pool: pool, client: func() *river.Client[pgx.Tx] { return client }, steps: c.steps,
		done: &atomic.Int64{}, finish: make(chan struct{}), total: int64(c.enrollments * c.steps)}
	workers := river.NewWorkers()
	river.AddWorker(workers, w)
	client, err = river.NewClient(driver, &river.Config{
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: c.workers}},
		Workers:           workers,
		FetchCooldown:     time.Millisecond,
		FetchPollInterval: 50 * time.Millisecond,
		Logger:            slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		return 0, err
	}
	params := make([]river.InsertManyParams, c.enrollments)
	for i := range params {
		params[i] = river.InsertManyParams{Args: stepArgs{int64(i + 1), 1}}
	}
	if _, err := client.InsertManyFast(ctx, params); err != nil {
		return 0, err
	}
	start := time.Now()
	if err := client.Start(ctx); err != nil {
		return 0, err
	}
	select {
	case <-w.finish:
	case <-time.After(10 * time.Minute):
		return 0, errors.New("river did not finish within 10 minutes")
	}
	elapsed := time.Since(start)
	stopCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return elapsed, client.Stop(stopCtx)
}

// check verifies exactly-once effects and describes the outcome.
func check(ctx context.Context, pool *pgxpool.Pool, c config) (string, error) {
	var dup, missing, wrong int64
	err := pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM (SELECT 1 FROM history GROUP BY enrollment_id, step HAVING count(*) > 1) d),
		(SELECT $1::bigint * $2 - count(DISTINCT (enrollment_id, step)) FROM history),
		(SELECT count(*) FROM enrollments WHERE step <> $2 OR steps_run <> $2)
		+ (SELECT count(*) FROM step_counts WHERE n <> $1)`, c.enrollments, c.steps).Scan(&dup, &missing, &wrong)
	if err != nil {
		return "", err
	}
	if dup == 0 && missing == 0 && wrong == 0 {
		return "yes", nil
	}
	return fmt.Sprintf("NO: %d duplicated, %d missing, %d wrong rows", dup, missing, wrong), nil
}
