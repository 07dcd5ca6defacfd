// Package main is Keelson's approver of kubelet serving certificates.
//
// Why Keelson has its own: kube-controller-manager approves only kubelet
// *client* certificates (a node renewing its own identity). A serving
// certificate names addresses, and nothing in Kubernetes knows which addresses
// are a node's: a kubelet reports its own in its Node status. So
// kubernetes.io/kubelet-serving CSRs wait for someone who knows. The usual
// approver (github.com/postfinance/kubelet-csr-approver) is refused by the Go
// module proxy this project builds from (docs/security.md lists the versions
// tried). Keelson knows every node's name and addresses from its plan, so this
// approver checks a CSR against exactly that list and nothing else.
//
// This file is the decision, pure and unit-tested (decide_test.go); main.go
// wires it to the API.
package main

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"slices"
	"sort"
	"strings"

	certv1 "k8s.io/api/certificates/v1"
)

// NodeAddresses is one node of the plan: the names and IPs its serving
// certificate may carry (its name, its private and public IPs).
type NodeAddresses struct {
	Name     string   `json:"name"`
	DNSNames []string `json:"dnsNames"`
	IPs      []string `json:"ips"`
}

// Config is the file Keelson writes on every master (components/control/render/kubeletServingApprover.ts).
type Config struct {
	Nodes []NodeAddresses `json:"nodes"`
}

// Verdict of one CSR.
type Verdict int

const (
	// Ignore: not a kubelet serving CSR, or already decided.
	Ignore Verdict = iota
	// Approve: every check passed.
	Approve
	// Deny: the CSR asks for something its node may not have.
	Deny
	// Wait: the node is not (yet) in the plan; left pending, looked at again later.
	Wait
)

func (v Verdict) String() string {
	return [...]string{"ignore", "approve", "deny", "wait"}[v]
}

const nodeUserPrefix = "system:node:"

// allowedUsages are what a kubelet asks for (key encipherment only with RSA keys);
// server auth must be among them.
var allowedUsages = map[certv1.KeyUsage]bool{
	certv1.UsageDigitalSignature: true,
	certv1.UsageKeyEncipherment:  true,
	certv1.UsageServerAuth:       true,
}

// Decided reports whether a CSR already carries an Approved or Denied condition.
func Decided(csr *certv1.CertificateSigningRequest) bool {
	for _, c := range csr.Status.Conditions {
		if c.Type == certv1.CertificateApproved || c.Type == certv1.CertificateDenied || c.Type == certv1.CertificateFailed {
			return true
		}
	}
	return false
}

// Decide says what to do with a CSR, and why (the reason goes on the CSR's condition).
func Decide(csr *certv1.CertificateSigningRequest, nodes map[string]NodeAddresses) (Verdict, string) {
	if csr.Spec.SignerName != certv1.KubeletServingSignerName || Decided(csr) {
		return Ignore, ""
	}
	user := csr.Spec.Username
	if !strings.HasPrefix(user, nodeUserPrefix) || len(user) == len(nodeUserPrefix) {
		return Deny, fmt.Sprintf("requested by %q, not by a node (system:node:<name>)", user)
	}
	nodeName := strings.TrimPrefix(user, nodeUserPrefix)
	if !slices.Contains(csr.Spec.Groups, "system:nodes") {
		return Deny, fmt.Sprintf("requester %s is not in group system:nodes", user)
	}
	hasServerAuth := false
	for _, u := range csr.Spec.Usages {
		if !allowedUsages[u] {
			return Deny, fmt.Sprintf("usage %q is not one a kubelet serving certificate has", u)
		}
		if u == certv1.UsageServerAuth {
			hasServerAuth = true
		}
	}
	if !hasServerAuth {
		return Deny, "usages lack \"server auth\""
	}
	block, _ := pem.Decode(csr.Spec.Request)
	if block == nil || block.Type != "CERTIFICATE REQUEST" {
		return Deny, "spec.request is not a PEM CERTIFICATE REQUEST"
	}
	req, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		return Deny, fmt.Sprintf("spec.request does not parse: %v", err)
	}
	if err := req.CheckSignature(); err != nil {
		return Deny, fmt.Sprintf("spec.request is not signed by its own key: %v", err)
	}
	if req.Subject.CommonName != user {
		return Deny, fmt.Sprintf("subject CN %q is not the requester %s", req.Subject.CommonName, user)
	}
	if len(req.Subject.Organization) != 1 || req.Subject.Organization[0] != "system:nodes" {
		return Deny, fmt.Sprintf("subject O %v is not [system:nodes]", req.Subject.Organization)
	}
	if len(req.EmailAddresses) > 0 || len(req.URIs) > 0 {
		return Deny, "a kubelet serving certificate names no e-mail address or URI"
	}
	if len(req.DNSNames) == 0 && len(req.IPAddresses) == 0 {
		return Deny, "it names no DNS name or IP address"
	}
	node, known := nodes[nodeName]
	if !known {
		return Wait, fmt.Sprintf("node %s is not in Keelson's plan (yet)", nodeName)
	}
	for _, d := range req.DNSNames {
		if !slices.Contains(node.DNSNames, d) {
			return Deny, fmt.Sprintf("DNS name %q is not one of node %s's (%s)", d, nodeName, strings.Join(node.DNSNames, ", "))
		}
	}
	for _, ip := range req.IPAddresses {
		if !containsIP(node.IPs, ip) {
			return Deny, fmt.Sprintf("IP address %s is not one of node %s's (%s)", ip, nodeName, strings.Join(node.IPs, ", "))
		}
	}
	return Approve, fmt.Sprintf("node %s asks for its own name and addresses only", nodeName)
}

// Index checks the config and returns its nodes by name.
func Index(c Config) (map[string]NodeAddresses, error) {
	out := make(map[string]NodeAddresses, len(c.Nodes))
	for i, n := range c.Nodes {
		if n.Name == "" {
			return nil, fmt.Errorf("nodes[%d].name: required", i)
		}
		if _, dup := out[n.Name]; dup {
			return nil, fmt.Errorf("nodes[%d].name: %s is listed twice", i, n.Name)
		}
		for j, ip := range n.IPs {
			if net.ParseIP(ip) == nil {
				return nil, fmt.Errorf("nodes[%d].ips[%d]: %q is not an IP address", i, j, ip)
			}
		}
		out[n.Name] = n
	}
	return out, nil
}

// Names lists the nodes of an index, sorted (for the start-up log line).
func Names(nodes map[string]NodeAddresses) []string {
	names := make([]string, 0, len(nodes))
	for n := range nodes {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func containsIP(list []string, ip net.IP) bool {
	for _, x := range list {
		if p := net.ParseIP(x); p != nil && p.Equal(ip) {
			return true
		}
	}
	return false
}
