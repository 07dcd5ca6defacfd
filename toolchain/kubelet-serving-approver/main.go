// Command kubelet-serving-approver approves kubelet serving certificates
// (signer kubernetes.io/kubelet-serving) whose names and addresses are exactly
// their node's, as Keelson's plan lists them (decide.go), and denies the rest.
// It runs on every master as a systemd unit; one of them leads at a time
// (a Lease in kube-system), so each CSR is decided once.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	certv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	"k8s.io/klog/v2"
)

// version is stamped at build time (toolchain/kubelet-serving-approver.mjs).
var version = "0.0.0-dev"

// reason is what the Approved and Denied conditions say decided them.
const reason = "KeelsonPlan"

func main() {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig of the approver's identity")
	configFile := flag.String("config", "", "the plan's nodes and their addresses (JSON)")
	identity := flag.String("identity", "", "this replica's name in the leader lease (default: the host name)")
	leaseNamespace := flag.String("lease-namespace", "kube-system", "namespace of the leader lease")
	leaseName := flag.String("lease-name", "keelson-kubelet-serving-approver", "name of the leader lease")
	resync := flag.Duration("resync", 30*time.Second, "how often pending CSRs are looked at again")
	showVersion := flag.Bool("version", false, "print the version and exit")
	klog.InitFlags(nil)
	flag.Parse()
	if *showVersion {
		fmt.Printf("kubelet-serving-approver %s\n", version)
		return
	}
	if err := run(*kubeconfig, *configFile, *identity, *leaseNamespace, *leaseName, *resync); err != nil {
		fmt.Fprintf(os.Stderr, "kubelet-serving-approver: %v\n", err)
		os.Exit(1)
	}
}

func loadConfig(file string) (map[string]NodeAddresses, error) {
	if file == "" {
		return nil, fmt.Errorf("--config: required")
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("--config: %v", err)
	}
	var c Config
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	nodes, err := Index(c)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	return nodes, nil
}

func run(kubeconfig, configFile, identity, leaseNamespace, leaseName string, resync time.Duration) error {
	nodes, err := loadConfig(configFile)
	if err != nil {
		return err
	}
	if identity == "" {
		if identity, err = os.Hostname(); err != nil {
			return fmt.Errorf("--identity: none given and no host name: %v", err)
		}
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return fmt.Errorf("--kubeconfig: %v", err)
	}
	cfg.UserAgent = "keelson-kubelet-serving-approver/" + version
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	klog.Infof("kubelet-serving-approver %s: %d nodes in the plan (%s); %s competes for lease %s/%s", version, len(nodes), strings.Join(Names(nodes), ", "), identity, leaseNamespace, leaseName)

	lock := &resourcelock.LeaseLock{
		LeaseMeta:  metav1.ObjectMeta{Namespace: leaseNamespace, Name: leaseName},
		Client:     client.CoordinationV1(),
		LockConfig: resourcelock.ResourceLockConfig{Identity: identity},
	}
	lost := make(chan struct{})
	leaderelection.RunOrDie(ctx, leaderelection.LeaderElectionConfig{
		Lock:            lock,
		LeaseDuration:   15 * time.Second,
		RenewDeadline:   10 * time.Second,
		RetryPeriod:     2 * time.Second,
		ReleaseOnCancel: true,
		Name:            leaseName,
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: func(ctx context.Context) {
				klog.Infof("%s leads: deciding kubelet serving CSRs", identity)
				approve(ctx, client, nodes, resync)
			},
			OnStoppedLeading: func() { close(lost) },
		},
	})
	select {
	case <-ctx.Done():
		return nil // asked to stop
	case <-lost:
		// Leadership lost without being asked to stop: exit, systemd starts us again as a follower.
		return fmt.Errorf("lost the lease %s/%s", leaseNamespace, leaseName)
	}
}

// approve watches CSRs and decides each kubelet serving one until ctx ends.
// Pending ones (node not yet in the plan) are looked at again at each resync.
func approve(ctx context.Context, client kubernetes.Interface, nodes map[string]NodeAddresses, resync time.Duration) {
	factory := informers.NewSharedInformerFactory(client, resync)
	informer := factory.Certificates().V1().CertificateSigningRequests().Informer()
	handle := func(obj interface{}) {
		csr, ok := obj.(*certv1.CertificateSigningRequest)
		if !ok {
			return
		}
		decide(ctx, client, nodes, csr)
	}
	if _, err := informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    handle,
		UpdateFunc: func(_, obj interface{}) { handle(obj) },
	}); err != nil {
		klog.Errorf("watching CSRs: %v", err)
		return
	}
	factory.Start(ctx.Done())
	<-ctx.Done()
	factory.Shutdown()
}

func decide(ctx context.Context, client kubernetes.Interface, nodes map[string]NodeAddresses, csr *certv1.CertificateSigningRequest) {
	verdict, why := Decide(csr, nodes)
	switch verdict {
	case Ignore:
		return
	case Wait:
		klog.Infof("CSR %s left pending: %s", csr.Name, why)
		return
	}
	c := csr.DeepCopy()
	cond := certv1.CertificateSigningRequestCondition{
		Type:           certv1.CertificateApproved,
		Status:         corev1.ConditionTrue,
		Reason:         reason,
		Message:        why,
		LastUpdateTime: metav1.Now(),
	}
	if verdict == Deny {
		cond.Type = certv1.CertificateDenied
	}
	c.Status.Conditions = append(c.Status.Conditions, cond)
	if _, err := client.CertificatesV1().CertificateSigningRequests().UpdateApproval(ctx, c.Name, c, metav1.UpdateOptions{}); err != nil {
		// A conflict means someone else decided it (or it changed): the watch brings the new state.
		klog.Errorf("CSR %s: %s failed: %v", csr.Name, verdict, err)
		return
	}
	klog.Infof("CSR %s (%s): %s: %s", csr.Name, csr.Spec.Username, verdict, why)
}
