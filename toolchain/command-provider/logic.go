package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

type phase string

const (
	phaseCreate phase = "create"
	phaseUpdate phase = "update"
	phaseDelete phase = "delete"
)

type result struct {
	stdout, stderr string
	ran            bool
}

// mergeInto records a command's output as the resource's stdout/stderr.
func (r result) mergeInto(outs resource.PropertyMap) {
	if !r.ran {
		return
	}
	outs["stdout"] = resource.NewStringProperty(r.stdout)
	outs["stderr"] = resource.NewStringProperty(r.stderr)
}

func str(m resource.PropertyMap, k string) string {
	v, ok := m[resource.PropertyKey(k)]
	if !ok {
		return ""
	}
	if v.IsSecret() {
		v = v.SecretValue().Element
	}
	if v.IsString() {
		return v.StringValue()
	}
	if v.IsNumber() {
		return fmt.Sprint(v.NumberValue())
	}
	return ""
}

func obj(m resource.PropertyMap, k string) resource.PropertyMap {
	v, ok := m[resource.PropertyKey(k)]
	if !ok {
		return nil
	}
	if v.IsSecret() {
		v = v.SecretValue().Element
	}
	if v.IsObject() {
		return v.ObjectValue()
	}
	return nil
}

func boolOr(m resource.PropertyMap, k string, def bool) bool {
	v, ok := m[resource.PropertyKey(k)]
	if ok && v.IsBool() {
		return v.BoolValue()
	}
	return def
}

func check(t string, news resource.PropertyMap) []*pulumirpc.CheckFailure {
	var failures []*pulumirpc.CheckFailure
	fail := func(prop, reason string) {
		failures = append(failures, &pulumirpc.CheckFailure{Property: prop, Reason: reason})
	}
	if t == "command:remote:Command" || t == "command:remote:CopyToRemote" {
		c, ok := news["connection"]
		if !ok || (!c.IsObject() && !c.IsSecret() && !c.IsComputed() && !c.IsOutput()) {
			fail("connection", "connection is required: {host, port?, user?, privateKey? | password?}")
		} else if conn := obj(news, "connection"); conn != nil {
			if h, ok := conn["host"]; !ok || (h.IsString() && h.StringValue() == "") {
				fail("connection.host", "host is required")
			}
		}
	}
	if t == "command:remote:CopyToRemote" {
		if _, ok := news["source"]; !ok {
			fail("source", "source (an asset or archive) is required")
		}
		if v, ok := news["remotePath"]; !ok || (v.IsString() && v.StringValue() == "") {
			fail("remotePath", "remotePath is required")
		}
	}
	return failures
}

// Which inputs, when changed, are only bookkeeping and need no command run.
var bookkeeping = map[resource.PropertyKey]bool{"delete": true, "logging": true, "addPreviousOutputInEnv": true}

func diff(t string, olds, news resource.PropertyMap) *pulumirpc.DiffResponse {
	d := olds.Diff(news)
	if d == nil || !d.AnyChanges() {
		return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}
	}
	var changed, replaces []string
	keys := d.ChangedKeys()
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	hasUpdate := str(news, "update") != "" || news["update"].IsComputed()
	for _, k := range keys {
		changed = append(changed, string(k))
		switch {
		case k == "triggers":
			replaces = append(replaces, string(k))
		case t == "command:remote:CopyToRemote":
			// A new source or destination is a new copy.
			if k == "source" || k == "remotePath" || k == "connection" {
				replaces = append(replaces, string(k))
			}
		case bookkeeping[k]:
		case k == "connection":
			replaces = append(replaces, string(k))
		default:
			// Without an `update` command, a changed command means: undo the old one, do the new one.
			if !hasUpdate {
				replaces = append(replaces, string(k))
			}
		}
	}
	return &pulumirpc.DiffResponse{
		Changes:             pulumirpc.DiffResponse_DIFF_SOME,
		Diffs:               changed,
		Replaces:            replaces,
		DeleteBeforeReplace: false,
	}
}

// runsOnUpdate is false when only bookkeeping inputs changed.
func runsOnUpdate(t string, olds, news resource.PropertyMap) bool {
	d := olds.Diff(news)
	if d == nil {
		return false
	}
	for _, k := range d.ChangedKeys() {
		if !bookkeeping[k] {
			return true
		}
	}
	return false
}

func run(ctx context.Context, t string, ph phase, props, olds resource.PropertyMap) (result, error) {
	switch t {
	case "command:remote:CopyToRemote":
		if ph == phaseDelete {
			return result{}, nil // upstream leaves copied files in place
		}
		return result{}, copyToRemote(ctx, props)
	}
	script := str(props, string(ph))
	if ph == phaseUpdate && script == "" {
		script = str(props, "create")
	}
	if script == "" {
		return result{}, nil
	}
	env := map[string]string{}
	for k, v := range obj(props, "environment") {
		if v.IsSecret() {
			v = v.SecretValue().Element
		}
		if v.IsString() {
			env[string(k)] = v.StringValue()
		}
	}
	if olds != nil && boolOr(props, "addPreviousOutputInEnv", true) {
		env["PULUMI_COMMAND_STDOUT"] = str(olds, "stdout")
		env["PULUMI_COMMAND_STDERR"] = str(olds, "stderr")
	}
	stdin := str(props, "stdin")
	var res result
	var err error
	if t == "command:local:Command" {
		res, err = runLocal(ctx, props, script, env, stdin)
	} else {
		res, err = runRemote(ctx, obj(props, "connection"), script, env, stdin)
	}
	if err != nil {
		return res, fmt.Errorf("%s command failed: %w\nstdout:\n%s\nstderr:\n%s", ph, err, tail(res.stdout), tail(res.stderr))
	}
	res.ran = true
	return res, nil
}

func tail(s string) string {
	const max = 8000
	if len(s) > max {
		return "…" + s[len(s)-max:]
	}
	return s
}

func runLocal(ctx context.Context, props resource.PropertyMap, script string, env map[string]string, stdin string) (result, error) {
	interp := []string{"/bin/sh", "-c"}
	if v, ok := props["interpreter"]; ok && v.IsArray() && len(v.ArrayValue()) > 0 {
		interp = nil
		for _, e := range v.ArrayValue() {
			if e.IsString() {
				interp = append(interp, e.StringValue())
			}
		}
	}
	args := append(append([]string{}, interp[1:]...), script)
	cmd := exec.CommandContext(ctx, interp[0], args...)
	if dir := str(props, "dir"); dir != "" {
		cmd.Dir = dir
	}
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return capture(cmd, stdin)
}

func capture(cmd *exec.Cmd, stdin string) (result, error) {
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	err := cmd.Run()
	return result{stdout: strings.TrimRight(stdout.String(), "\n"), stderr: strings.TrimRight(stderr.String(), "\n")}, err
}

// sshTarget holds what the OpenSSH client needs; the key lives in a 0600
// temporary file only for the duration of one command.
type sshTarget struct {
	host, user, port, keyFile, password string
	dialErrorLimit                      int
	perDialTimeout                      int
	cleanup                             func()
}

func newSSHTarget(conn resource.PropertyMap) (*sshTarget, error) {
	if conn == nil {
		return nil, fmt.Errorf("connection is required")
	}
	t := &sshTarget{host: str(conn, "host"), user: str(conn, "user"), port: str(conn, "port"), cleanup: func() {}}
	if t.user == "" {
		t.user = "root"
	}
	if t.port == "" {
		t.port = "22"
	}
	t.dialErrorLimit = 10
	if v, ok := conn["dialErrorLimit"]; ok && v.IsNumber() {
		t.dialErrorLimit = int(v.NumberValue())
	}
	t.perDialTimeout = 15
	if v, ok := conn["perDialTimeout"]; ok && v.IsNumber() {
		t.perDialTimeout = int(v.NumberValue())
	}
	if key := str(conn, "privateKey"); key != "" {
		dir, err := os.MkdirTemp("", "keelson-ssh-")
		if err != nil {
			return nil, err
		}
		t.keyFile = filepath.Join(dir, "id")
		if !strings.HasSuffix(key, "\n") {
			key += "\n"
		}
		if err := os.WriteFile(t.keyFile, []byte(key), 0o600); err != nil {
			_ = os.RemoveAll(dir)
			return nil, err
		}
		t.cleanup = func() { _ = os.RemoveAll(dir) }
	}
	t.password = str(conn, "password")
	if t.keyFile == "" && t.password == "" {
		return nil, fmt.Errorf("connection needs a privateKey (password login is not supported by Keelson's command provider)")
	}
	return t, nil
}

func (t *sshTarget) opts() []string {
	o := []string{
		"-o", "BatchMode=yes",
		"-o", "StrictHostKeyChecking=no",
		"-o", "UserKnownHostsFile=/dev/null",
		"-o", "LogLevel=ERROR",
		"-o", fmt.Sprintf("ConnectTimeout=%d", t.perDialTimeout),
		"-o", "ServerAliveInterval=15",
		"-i", t.keyFile,
	}
	return o
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// withRetries retries while ssh itself cannot connect (exit 255), the way
// upstream retries dials while a fresh host finishes booting.
func (t *sshTarget) withRetries(ctx context.Context, mk func() *exec.Cmd, stdin string) (result, error) {
	var res result
	var err error
	for attempt := 1; ; attempt++ {
		res, err = capture(mk(), stdin)
		var exit *exec.ExitError
		if err == nil || !asExit(err, &exit) || exit.ExitCode() != 255 || attempt >= t.dialErrorLimit {
			return res, err
		}
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-time.After(time.Duration(attempt) * time.Second):
		}
	}
}

func asExit(err error, out **exec.ExitError) bool {
	e, ok := err.(*exec.ExitError)
	if ok {
		*out = e
	}
	return ok
}

func runRemote(ctx context.Context, conn resource.PropertyMap, script string, env map[string]string, stdin string) (result, error) {
	t, err := newSSHTarget(conn)
	if err != nil {
		return result{}, err
	}
	defer t.cleanup()
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var prefix strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&prefix, "export %s=%s; ", k, shellQuote(env[k]))
	}
	remote := prefix.String() + script
	return t.withRetries(ctx, func() *exec.Cmd {
		args := append(t.opts(), "-p", t.port, t.user+"@"+t.host, "/bin/sh -c "+shellQuote(remote))
		return exec.CommandContext(ctx, "ssh", args...)
	}, stdin)
}

func copyToRemote(ctx context.Context, props resource.PropertyMap) error {
	t, err := newSSHTarget(obj(props, "connection"))
	if err != nil {
		return err
	}
	defer t.cleanup()
	dest := str(props, "remotePath")
	src := props["source"]
	if src.IsSecret() {
		src = src.SecretValue().Element
	}
	switch {
	case src.IsAsset():
		a := src.AssetValue()
		var data []byte
		switch {
		case a.IsPath():
			if data, err = os.ReadFile(a.Path); err != nil {
				return err
			}
		case a.IsText():
			data = []byte(a.Text)
		default:
			return fmt.Errorf("source: only file and string assets are supported")
		}
		cmdline := fmt.Sprintf("mkdir -p %s && cat > %s", shellQuote(filepath.Dir(dest)), shellQuote(dest))
		_, err = t.withRetries(ctx, func() *exec.Cmd {
			args := append(t.opts(), "-p", t.port, t.user+"@"+t.host, cmdline)
			return exec.CommandContext(ctx, "ssh", args...)
		}, string(data))
		return err
	case src.IsArchive():
		a := src.ArchiveValue()
		if !a.IsPath() {
			return fmt.Errorf("source: only file archives (a directory or a .tar/.tgz path) are supported")
		}
		st, err := os.Stat(a.Path)
		if err != nil {
			return err
		}
		if !st.IsDir() {
			return fmt.Errorf("source: archive %s must be a directory", a.Path)
		}
		// tar over ssh: one connection, permissions kept.
		script := fmt.Sprintf("tar -C %s -cf - . | ssh %s -p %s %s@%s %s",
			shellQuote(a.Path), strings.Join(quoteAll(t.opts()), " "), t.port, t.user, t.host,
			shellQuote(fmt.Sprintf("mkdir -p %s && tar -C %s -xf -", shellQuote(dest), shellQuote(dest))))
		_, err = t.withRetries(ctx, func() *exec.Cmd {
			// bash, not sh: dash has no pipefail, and a tar failure on either side must fail the copy.
			return exec.CommandContext(ctx, "/bin/bash", "-c", "set -o pipefail; "+script)
		}, "")
		return err
	}
	return fmt.Errorf("source must be an asset or an archive")
}

func quoteAll(in []string) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = shellQuote(s)
	}
	return out
}
