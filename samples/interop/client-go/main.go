// Command clientgo-elector runs client-go's own leader election (tools/leaderelection with a
// resourcelock.LeaseLock) against a Kubernetes API server given by URL, and prints one line per event:
//
//	EVENT <name> id=<identity> t_ms=<wall clock, ms since the epoch> [key=value ...]
//
// Leasehold's ClientGoHandover benchmark and ClientGoHandoverTest (samples) start it as a child process
// to test the handover between Leasehold's Lease lock and client-go's elector on the same Lease.
//
// It stops (cancels its context, so that with -release-on-cancel client-go releases the Lease) on SIGTERM,
// SIGINT, a line "stop" on stdin, or when stdin closes. Run's return ends the process (exit code 0).
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	coordinationv1client "k8s.io/client-go/kubernetes/typed/coordination/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

var out = struct {
	sync.Mutex
	w *bufio.Writer
}{w: bufio.NewWriter(os.Stdout)}

// event prints one EVENT line and flushes it at once, so that a reader of the pipe sees it when it happens.
func event(name, id string, extra ...string) {
	line := fmt.Sprintf("EVENT %s id=%s t_ms=%d", name, id, time.Now().UnixMilli())
	if len(extra) > 0 {
		line += " " + strings.Join(extra, " ")
	}
	out.Lock()
	defer out.Unlock()
	fmt.Fprintln(out.w, line)
	out.w.Flush()
}

// reportingLock wraps client-go's lock to report the moment a release (an update naming no holder) lands.
type reportingLock struct {
	resourcelock.Interface
	id string
}

func (l *reportingLock) Update(ctx context.Context, ler resourcelock.LeaderElectionRecord) error {
	err := l.Interface.Update(ctx, ler)
	if ler.HolderIdentity == "" {
		if err != nil {
			event("release-failed", l.id, "error="+strings.ReplaceAll(err.Error(), " ", "_"))
		} else {
			event("released", l.id, fmt.Sprintf("transitions=%d", ler.LeaderTransitions))
		}
	}
	return err
}

func main() {
	server := flag.String("server", "", "API server URL, plain http without authentication (required)")
	id := flag.String("id", "", "this candidate's identity (required)")
	name := flag.String("name", "clientgo-interop", "the Lease's name")
	namespace := flag.String("namespace", "default", "the Lease's namespace")
	lease := flag.Duration("lease", 15*time.Second, "LeaseDuration")
	renew := flag.Duration("renew", 10*time.Second, "RenewDeadline")
	retry := flag.Duration("retry", 2*time.Second, "RetryPeriod")
	releaseOnCancel := flag.Bool("release-on-cancel", true, "ReleaseOnCancel: release the Lease when stopped")
	stopDelay := flag.Duration("stop-delay", 0, "how long OnStoppedLeading takes (a sleep), to show when the release happens")
	flag.Parse()
	if *server == "" || *id == "" {
		fmt.Fprintln(os.Stderr, "-server and -id are required")
		flag.Usage()
		os.Exit(2)
	}

	client, err := coordinationv1client.NewForConfig(&rest.Config{Host: *server, Timeout: *renew})
	if err != nil {
		fmt.Fprintf(os.Stderr, "client for %s: %v\n", *server, err)
		os.Exit(2)
	}
	lock := &reportingLock{
		Interface: &resourcelock.LeaseLock{
			LeaseMeta:  metav1.ObjectMeta{Name: *name, Namespace: *namespace},
			Client:     client,
			LockConfig: resourcelock.ResourceLockConfig{Identity: *id},
		},
		id: *id,
	}

	ctx, cancel := context.WithCancel(context.Background())
	stop := func(reason string) {
		event("stopping", *id, "reason="+reason)
		cancel()
	}
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		s := <-signals
		stop(strings.ToLower(s.String()))
	}()
	go func() {
		in := bufio.NewScanner(os.Stdin)
		for in.Scan() {
			if strings.TrimSpace(in.Text()) == "stop" {
				stop("stdin-stop")
				return
			}
		}
		stop("stdin-closed")
	}()

	elector, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
		Lock:            lock,
		LeaseDuration:   *lease,
		RenewDeadline:   *renew,
		RetryPeriod:     *retry,
		ReleaseOnCancel: *releaseOnCancel,
		Name:            *name,
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: func(context.Context) { event("started-leading", *id) },
			OnStoppedLeading: func() {
				event("stopped-leading-begin", *id)
				time.Sleep(*stopDelay)
				event("stopped-leading", *id)
			},
			OnNewLeader: func(leader string) { event("new-leader", *id, "leader="+leader) },
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "leader election config: %v\n", err)
		os.Exit(2)
	}
	event("candidate", *id, "lease="+lease.String(), "renew="+renew.String(), "retry="+retry.String(),
		fmt.Sprintf("release_on_cancel=%t", *releaseOnCancel))
	elector.Run(ctx)
	event("exited", *id)
}
