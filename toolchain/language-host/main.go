// Command pulumi-language-nodejs is Keelson's Node.js language host for the Pulumi engine.
//
// Why Keelson has its own: the upstream host lives in its own Go module
// (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3), which is
// not tagged and is not served by the Go module proxy that this project can
// reach, so it cannot be built offline. The protocol is small and stable: the
// engine starts this binary, reads the gRPC port it prints, and calls Run to
// execute the program; the real work is done by the @pulumi/pulumi npm SDK's
// own launchers (cmd/run, cmd/run-plugin, cmd/run-policy-pack), which this host
// starts with the same arguments and environment the upstream host uses.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// version is stamped at build time with the @pulumi/pulumi version it serves.
var version = "0.0.0-dev"

func main() {
	var tracing string
	flag.StringVar(&tracing, "tracing", "", "Emit tracing to a Zipkin-compatible tracing endpoint")
	flag.String("root", "", "Project root (accepted for compatibility; the engine sends it again in each request)")
	flag.Bool("typescript", true, "Accepted for compatibility; read from the project's runtime options instead")
	flag.String("tsconfig", "", "Accepted for compatibility; read from the project's runtime options instead")
	flag.String("nodeargs", "", "Accepted for compatibility; read from the project's runtime options instead")
	flag.String("packagemanager", "", "Accepted for compatibility")
	flag.Parse()

	engineAddress := ""
	if args := flag.Args(); len(args) > 0 {
		engineAddress = args[0]
	}

	nodeBin, err := exec.LookPath("node")
	if err != nil {
		cmdutil.Exit(fmt.Errorf("could not find node on the $PATH: %w", err))
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, &host{
				nodeBin:       nodeBin,
				engineAddress: engineAddress,
				tracing:       tracing,
				ctx:           ctx,
			})
			return nil
		},
		Options: rpcutil.OpenTracingServerInterceptorOptions(nil),
	})
	if err != nil {
		cmdutil.Exit(fmt.Errorf("could not start language host RPC server: %w", err))
	}
	// The engine reads the port from our first line of stdout.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		cmdutil.Exit(fmt.Errorf("language host RPC stopped serving: %w", err))
	}
}

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	nodeBin       string
	engineAddress string
	tracing       string
	ctx           context.Context
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

func (h *host) Handshake(_ context.Context, req *pulumirpc.LanguageHandshakeRequest) (*pulumirpc.LanguageHandshakeResponse, error) {
	if req.GetEngineAddress() != "" {
		h.engineAddress = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

// sdkScript finds one of the npm SDK's launchers (cmd/run, cmd/run-plugin,
// cmd/run-policy-pack) by walking up from dir, the way Node resolves modules.
func sdkScript(dir, name string) (string, error) {
	if override := os.Getenv("PULUMI_LANGUAGE_NODEJS_RUN_PATH"); override != "" && name == "run" {
		return override, nil
	}
	d, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		candidate := filepath.Join(d, "node_modules", "@pulumi", "pulumi", "cmd", name)
		if st, err := os.Stat(candidate); err == nil && st.IsDir() {
			return candidate, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("it looks like the Pulumi SDK has not been installed in %s: "+
				"could not find node_modules/@pulumi/pulumi/cmd/%s; run `npm ci` (or `npm run up`, which does it)", dir, name)
		}
		d = parent
	}
}

// options reads a runtime option from Pulumi.yaml (`runtime.options`).
func option(info *pulumirpc.ProgramInfo, key string) (string, bool) {
	if info == nil || info.GetOptions() == nil {
		return "", false
	}
	v, ok := info.GetOptions().GetFields()[key]
	if !ok {
		return "", false
	}
	switch k := v.GetKind().(type) {
	case *structpb.Value_StringValue:
		return k.StringValue, true
	case *structpb.Value_BoolValue:
		return fmt.Sprint(k.BoolValue), true
	case *structpb.Value_NumberValue:
		return fmt.Sprint(k.NumberValue), true
	}
	return "", false
}

func programDir(req *pulumirpc.RunRequest) string {
	if info := req.GetInfo(); info != nil && info.GetProgramDirectory() != "" {
		return info.GetProgramDirectory()
	}
	if req.GetPwd() != "" {
		return req.GetPwd()
	}
	return "."
}

// runEnv builds the environment the SDK's cmd/run reads: config, secret keys
// and TypeScript settings.
func runEnv(req *pulumirpc.RunRequest) ([]string, error) {
	env := os.Environ()
	cfg := req.GetConfig()
	if cfg == nil {
		cfg = map[string]string{}
	}
	cfgJSON, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	env = append(env, "PULUMI_CONFIG="+string(cfgJSON))
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	keysJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, err
	}
	env = append(env, "PULUMI_CONFIG_SECRET_KEYS="+string(keysJSON))
	if m := req.GetConfigPropertyMap(); m != nil {
		b, err := m.MarshalJSON()
		if err != nil {
			return nil, err
		}
		env = append(env, "PULUMI_CONFIG_PROPERTY_MAP="+string(b))
	}
	// TypeScript is on unless the project says `typescript: false`, as upstream.
	typescript := "true"
	if v, ok := option(req.GetInfo(), "typescript"); ok {
		typescript = v
	}
	env = append(env, "PULUMI_NODEJS_TYPESCRIPT="+typescript)
	if v, ok := option(req.GetInfo(), "tsconfig"); ok && v != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+v)
	}
	return env, nil
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	dir := programDir(req)
	runPath, err := sdkScript(dir, "run")
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error(), Bail: true}, nil
	}
	var nodeArgs []string
	if v, ok := option(req.GetInfo(), "nodeargs"); ok && v != "" {
		nodeArgs = strings.Fields(v)
	}
	args := append(nodeArgs, runPath)
	add := func(k, v string) {
		if v != "" {
			args = append(args, "--"+k, v)
		}
	}
	add("monitor", req.GetMonitorAddress())
	add("engine", h.engineAddress)
	add("organization", req.GetOrganization())
	add("project", req.GetProject())
	add("stack", req.GetStack())
	add("pwd", req.GetPwd())
	if info := req.GetInfo(); info != nil {
		add("root-directory", info.GetRootDirectory())
	}
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	if req.GetParallel() > 0 {
		add("parallel", fmt.Sprint(req.GetParallel()))
	}
	add("tracing", h.tracing)
	program := "."
	if info := req.GetInfo(); info != nil && info.GetEntryPoint() != "" {
		program = filepath.Join(dir, info.GetEntryPoint())
	} else if req.GetProgram() != "" {
		program = req.GetProgram()
	}
	args = append(args, program)
	args = append(args, req.GetArgs()...)

	env, err := runEnv(req)
	if err != nil {
		return nil, fmt.Errorf("failed to serialize configuration: %w", err)
	}

	cmd := exec.CommandContext(ctx, h.nodeBin, args...)
	cmd.Dir = dir
	if req.GetPwd() != "" {
		cmd.Dir = req.GetPwd()
	}
	cmd.Env = env
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			if ws, ok := exit.Sys().(syscall.WaitStatus); ok {
				// The SDK exits with 32 after it has already printed a user-facing error.
				if ws.ExitStatus() == 32 {
					return &pulumirpc.RunResponse{Bail: true}, nil
				}
				return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", ws.ExitStatus())}, nil
			}
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited unexpectedly: %v", exit)}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Problem executing program (could not run language executor): %v", err)}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// RunPlugin runs a plugin written in Node.js: a policy pack (kind "analyzer")
// or a resource provider, through the SDK's launchers.
func (h *host) RunPlugin(req *pulumirpc.RunPluginRequest, server grpc.ServerStreamingServer[pulumirpc.RunPluginResponse]) error {
	dir := req.GetPwd()
	program := req.GetProgram()
	if info := req.GetInfo(); info != nil {
		if info.GetProgramDirectory() != "" {
			program = info.GetProgramDirectory()
		}
		if info.GetEntryPoint() != "" && info.GetEntryPoint() != "." {
			program = filepath.Join(program, info.GetEntryPoint())
		}
	}
	if dir == "" {
		dir = program
	}
	var args []string
	if req.GetKind() == "analyzer" {
		script, err := sdkScript(program, "run-policy-pack")
		if err != nil {
			return err
		}
		// run-policy-pack takes <engine address> <policy pack path>.
		args = append([]string{script}, req.GetArgs()...)
		args = append(args, program)
	} else {
		script, err := sdkScript(program, "run-plugin")
		if err != nil {
			return err
		}
		args = append([]string{script, program}, req.GetArgs()...)
	}
	cmd := exec.CommandContext(server.Context(), h.nodeBin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), req.GetEnv()...)
	if typescript, ok := option(req.GetInfo(), "typescript"); !ok || typescript == "true" {
		cmd.Env = append(cmd.Env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	sendErr := make(chan error, 2)
	stream := func(r io.Reader, wrap func([]byte) *pulumirpc.RunPluginResponse) {
		br := bufio.NewReader(r)
		buf := make([]byte, 32*1024)
		for {
			n, err := br.Read(buf)
			if n > 0 {
				chunk := append([]byte(nil), buf[:n]...)
				if serr := server.Send(wrap(chunk)); serr != nil {
					sendErr <- serr
					return
				}
			}
			if err != nil {
				sendErr <- nil
				return
			}
		}
	}
	go stream(stdout, func(b []byte) *pulumirpc.RunPluginResponse {
		return &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stdout{Stdout: b}}
	})
	go stream(stderr, func(b []byte) *pulumirpc.RunPluginResponse {
		return &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stderr{Stderr: b}}
	})
	for i := 0; i < 2; i++ {
		if err := <-sendErr; err != nil {
			_ = cmd.Process.Kill()
			return err
		}
	}
	code := 0
	if err := cmd.Wait(); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			return err
		}
		code = exit.ExitCode()
	}
	return server.Send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(code)}})
}

// GetRequiredPlugins reports the provider plugins of every installed npm
// package that declares `"pulumi": {"resource": true}`, so the engine can load
// them before the program registers resources.
func (h *host) GetRequiredPlugins(_ context.Context, req *pulumirpc.GetRequiredPluginsRequest) (*pulumirpc.GetRequiredPluginsResponse, error) {
	dir := req.GetProgram()
	if info := req.GetInfo(); info != nil && info.GetProgramDirectory() != "" {
		dir = info.GetProgramDirectory()
	}
	pkgs, err := pulumiPackages(dir)
	if err != nil {
		return nil, err
	}
	var out []*pulumirpc.PluginDependency
	for _, p := range pkgs {
		out = append(out, &pulumirpc.PluginDependency{Name: p.name, Kind: "resource", Version: p.version, Server: p.server})
	}
	return &pulumirpc.GetRequiredPluginsResponse{Plugins: out}, nil
}

func (h *host) GetRequiredPackages(_ context.Context, req *pulumirpc.GetRequiredPackagesRequest) (*pulumirpc.GetRequiredPackagesResponse, error) {
	dir := "."
	if info := req.GetInfo(); info != nil && info.GetProgramDirectory() != "" {
		dir = info.GetProgramDirectory()
	}
	pkgs, err := pulumiPackages(dir)
	if err != nil {
		return nil, err
	}
	var out []*pulumirpc.PackageDependency
	for _, p := range pkgs {
		out = append(out, &pulumirpc.PackageDependency{Name: p.name, Kind: "resource", Version: p.version, Server: p.server})
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: out}, nil
}

type pulumiPackage struct{ name, version, server string }

type packageJSON struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Pulumi  struct {
		Resource bool   `json:"resource"`
		Name     string `json:"name"`
		Version  string `json:"version"`
		Server   string `json:"server"`
	} `json:"pulumi"`
	Dependencies map[string]string `json:"dependencies"`
}

// pulumiPackages reads node_modules below the nearest package.json (one level
// of scopes, as npm lays them out flat).
func pulumiPackages(dir string) ([]pulumiPackage, error) {
	root, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	nm := ""
	for d := root; ; d = filepath.Dir(d) {
		if st, err := os.Stat(filepath.Join(d, "node_modules")); err == nil && st.IsDir() {
			nm = filepath.Join(d, "node_modules")
			break
		}
		if filepath.Dir(d) == d {
			return nil, nil
		}
	}
	var files []string
	entries, err := os.ReadDir(nm)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "@") {
			sub, _ := os.ReadDir(filepath.Join(nm, e.Name()))
			for _, s := range sub {
				files = append(files, filepath.Join(nm, e.Name(), s.Name(), "package.json"))
			}
		} else {
			files = append(files, filepath.Join(nm, e.Name(), "package.json"))
		}
	}
	sort.Strings(files)
	var out []pulumiPackage
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		var p packageJSON
		if json.Unmarshal(b, &p) != nil || !p.Pulumi.Resource {
			continue
		}
		name := p.Pulumi.Name
		if name == "" {
			name = strings.TrimPrefix(strings.TrimPrefix(p.Name, "@pulumi/"), "@")
		}
		v := p.Pulumi.Version
		if v == "" {
			v = p.Version
		}
		if v != "" && !strings.HasPrefix(v, "v") {
			v = "v" + v
		}
		out = append(out, pulumiPackage{name: name, version: v, server: p.Pulumi.Server})
	}
	return out, nil
}

// InstallDependencies runs `npm ci` (or `npm install` without a lockfile) in
// the program directory, streaming its output to the engine.
func (h *host) InstallDependencies(req *pulumirpc.InstallDependenciesRequest, server grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse]) error {
	dir := req.GetDirectory()
	if info := req.GetInfo(); info != nil && info.GetProgramDirectory() != "" {
		dir = info.GetProgramDirectory()
	}
	sub := "install"
	if _, err := os.Stat(filepath.Join(dir, "package-lock.json")); err == nil {
		sub = "ci"
	}
	cmd := exec.CommandContext(server.Context(), "npm", sub, "--no-audit", "--no-fund")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if serr := server.Send(&pulumirpc.InstallDependenciesResponse{Stdout: out}); serr != nil {
		return serr
	}
	if err != nil {
		return fmt.Errorf("npm %s failed in %s: %w", sub, dir, err)
	}
	return nil
}

func (h *host) About(context.Context, *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	out, err := exec.Command(h.nodeBin, "--version").Output()
	if err != nil {
		return nil, err
	}
	return &pulumirpc.AboutResponse{
		Executable: h.nodeBin,
		Version:    strings.TrimPrefix(strings.TrimSpace(string(out)), "v"),
		Metadata:   map[string]string{"languageHost": "keelson " + version},
	}, nil
}

func (h *host) GetProgramDependencies(_ context.Context, req *pulumirpc.GetProgramDependenciesRequest) (*pulumirpc.GetProgramDependenciesResponse, error) {
	dir := req.GetPwd()
	if info := req.GetInfo(); info != nil && info.GetProgramDirectory() != "" {
		dir = info.GetProgramDirectory()
	}
	b, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		return &pulumirpc.GetProgramDependenciesResponse{}, nil
	}
	var p packageJSON
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(p.Dependencies))
	for n := range p.Dependencies {
		names = append(names, n)
	}
	sort.Strings(names)
	var deps []*pulumirpc.DependencyInfo
	for _, n := range names {
		v := p.Dependencies[n]
		if ib, err := os.ReadFile(filepath.Join(dir, "node_modules", n, "package.json")); err == nil {
			var ip packageJSON
			if json.Unmarshal(ib, &ip) == nil && ip.Version != "" {
				v = ip.Version
			}
		}
		deps = append(deps, &pulumirpc.DependencyInfo{Name: n, Version: v})
	}
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: deps}, nil
}

// Code generation (pulumi convert/import/package gen-sdk) is not part of
// Keelson's offline toolchain; say so plainly.
func (h *host) GenerateProgram(context.Context, *pulumirpc.GenerateProgramRequest) (*pulumirpc.GenerateProgramResponse, error) {
	return nil, status.Error(codes.Unimplemented, "code generation is not supported by Keelson's offline Node.js language host")
}
