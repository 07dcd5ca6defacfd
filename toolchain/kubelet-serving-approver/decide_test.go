package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"net"
	"strings"
	"testing"

	certv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
)

var plan = map[string]NodeAddresses{
	"lab-w1": {Name: "lab-w1", DNSNames: []string{"lab-w1"}, IPs: []string{"10.88.1.16", "192.0.2.16"}},
	"lab-w2": {Name: "lab-w2", DNSNames: []string{"lab-w2"}, IPs: []string{"10.88.2.16"}},
}

type req struct {
	user   string
	groups []string
	cn     string
	org    []string
	dns    []string
	ips    []string
	usages []certv1.KeyUsage
	signer string
}

// kubelet is what a kubelet of lab-w1 sends (pkg/kubelet/certificate: CN, O, its names, ECDSA key).
func kubelet() req {
	return req{
		user: "system:node:lab-w1", groups: []string{"system:nodes", "system:authenticated"},
		cn: "system:node:lab-w1", org: []string{"system:nodes"},
		dns: []string{"lab-w1"}, ips: []string{"10.88.1.16"},
		usages: []certv1.KeyUsage{certv1.UsageDigitalSignature, certv1.UsageServerAuth},
		signer: certv1.KubeletServingSignerName,
	}
}

func (r req) csr(t *testing.T) *certv1.CertificateSigningRequest {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.CertificateRequest{Subject: pkix.Name{CommonName: r.cn, Organization: r.org}, DNSNames: r.dns}
	for _, ip := range r.ips {
		tmpl.IPAddresses = append(tmpl.IPAddresses, net.ParseIP(ip))
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, key)
	if err != nil {
		t.Fatal(err)
	}
	return &certv1.CertificateSigningRequest{Spec: certv1.CertificateSigningRequestSpec{
		Request:    pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}),
		SignerName: r.signer, Usages: r.usages, Username: r.user, Groups: r.groups,
	}}
}

func expect(t *testing.T, r req, want Verdict, because string) {
	t.Helper()
	got, why := Decide(r.csr(t), plan)
	if got != want || !strings.Contains(why, because) {
		t.Fatalf("Decide = %s (%q), want %s with %q", got, why, want, because)
	}
}

func TestApprovesANodesOwnNameAndAddresses(t *testing.T) {
	expect(t, kubelet(), Approve, "node lab-w1 asks for its own name and addresses only")
	r := kubelet()
	r.ips = []string{"10.88.1.16", "192.0.2.16"}
	r.usages = append(r.usages, certv1.UsageKeyEncipherment)
	expect(t, r, Approve, "lab-w1")
}

func TestDeniesAnotherNodesOrAnyOtherAddress(t *testing.T) {
	r := kubelet()
	r.ips = []string{"10.88.2.16"} // lab-w2's
	expect(t, r, Deny, "IP address 10.88.2.16 is not one of node lab-w1's")
	r = kubelet()
	r.ips = []string{"10.88.1.4"} // a master's
	expect(t, r, Deny, "IP address 10.88.1.4")
	r = kubelet()
	r.dns = []string{"lab-w1", "kubernetes.default.svc"}
	expect(t, r, Deny, `DNS name "kubernetes.default.svc"`)
	r = kubelet()
	r.dns, r.ips = nil, nil
	expect(t, r, Deny, "names no DNS name or IP address")
}

func TestDeniesWhatIsNotAKubeletServingRequest(t *testing.T) {
	for because, change := range map[string]func(r *req){
		`requested by "alice"`:            func(r *req) { r.user = "alice" },
		"not in group system:nodes":       func(r *req) { r.groups = []string{"system:authenticated"} },
		`subject CN "system:node:lab-w2"`: func(r *req) { r.cn = "system:node:lab-w2" },
		"subject O [system:masters]":      func(r *req) { r.org = []string{"system:masters"} },
		`usage "client auth"`: func(r *req) {
			r.usages = []certv1.KeyUsage{certv1.UsageDigitalSignature, certv1.UsageServerAuth, certv1.UsageClientAuth}
		},
		`lack "server auth"`: func(r *req) { r.usages = []certv1.KeyUsage{certv1.UsageDigitalSignature} },
	} {
		r := kubelet()
		change(&r)
		expect(t, r, Deny, because)
	}
}

func TestWaitsForANodeNotInThePlan(t *testing.T) {
	r := kubelet()
	r.user, r.cn, r.dns, r.ips = "system:node:lab-w9", "system:node:lab-w9", []string{"lab-w9"}, []string{"10.88.9.16"}
	expect(t, r, Wait, "node lab-w9 is not in Keelson's plan")
}

func TestIgnoresOtherSignersAndDecidedRequests(t *testing.T) {
	r := kubelet()
	r.signer = certv1.KubeAPIServerClientKubeletSignerName
	expect(t, r, Ignore, "")
	c := kubelet().csr(t)
	c.Status.Conditions = []certv1.CertificateSigningRequestCondition{{Type: certv1.CertificateApproved, Status: corev1.ConditionTrue}}
	if v, _ := Decide(c, plan); v != Ignore {
		t.Fatalf("an approved CSR: %s, want ignore", v)
	}
}

func TestDeniesARequestThatIsNotPEMOrNotSigned(t *testing.T) {
	c := kubelet().csr(t)
	c.Spec.Request = []byte("not pem")
	if v, why := Decide(c, plan); v != Deny || !strings.Contains(why, "not a PEM CERTIFICATE REQUEST") {
		t.Fatalf("got %s %q", v, why)
	}
	c = kubelet().csr(t)
	block, _ := pem.Decode(c.Spec.Request)
	block.Bytes[len(block.Bytes)-3] ^= 0xff // the signature's last bytes
	c.Spec.Request = pem.EncodeToMemory(block)
	if v, _ := Decide(c, plan); v != Deny {
		t.Fatalf("a request with a broken signature: %s, want deny", v)
	}
}

func TestIndexRefusesABrokenConfig(t *testing.T) {
	for cfg, want := range map[string]Config{
		"nodes[1].name: lab-w1 is listed twice": {Nodes: []NodeAddresses{{Name: "lab-w1"}, {Name: "lab-w1"}}},
		"nodes[0].name: required":               {Nodes: []NodeAddresses{{}}},
		`nodes[0].ips[0]: "10.88.1" is not`:     {Nodes: []NodeAddresses{{Name: "a", IPs: []string{"10.88.1"}}}},
	} {
		if _, err := Index(want); err == nil || !strings.Contains(err.Error(), cfg) {
			t.Fatalf("Index: %v, want %q", err, cfg)
		}
	}
}
