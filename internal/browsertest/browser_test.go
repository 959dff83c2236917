// Package browsertest checks lossbook's notebooks in a real browser: Debian's Chromium, driven through the
// DevTools protocol by chromedp. It runs only with LOSSBOOK_BROWSER_TEST=1 (`make browser-test`, part of `make
// test`), after `make kernel`; plain `go test ./...` skips it.
//
// TestNotebook00 starts `make lab` on a free port with a token, opens notebooks/00_setup.ipynb, runs every cell
// through the menu (Cell > Run All), waits until the kernel is idle with every cell run, and checks the page:
// every code cell has output, none shows an error or stderr, the LaTeX was typeset by MathJax (in a markdown
// cell and in the formula cell's output) and the SVG plot has a non-zero size. Screenshots go to build/browser/.
//
// TestNewNotebookOutsideRepo starts Jupyter in a new folder outside the repository, opens a new, empty notebook
// there on the "Go (lossbook)" kernel, types an import of lossbook's losses and a cross-entropy into the cell,
// runs it, and reads the printed value back from the page.
package browsertest

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

const (
	// serverTimeout bounds the wait for a Jupyter server (make lab first checks the packages, the tools and the
	// XLA plugin).
	serverTimeout = 10 * time.Minute
	// runTimeout bounds one notebook's run: every cell compiles a Go program (seconds to a minute each on a
	// busy machine; the first build after a kernel update compiles lossbook's packages again).
	runTimeout = 15 * time.Minute
	// kernelName is the kernel under test.
	kernelName = "lossbook"
)

func setUp(t *testing.T) (repo, chromium string) {
	t.Helper()
	if os.Getenv("LOSSBOOK_BROWSER_TEST") != "1" {
		t.Skip("the browser test runs with LOSSBOOK_BROWSER_TEST=1 (make browser-test), after make kernel")
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			chromium = p
			break
		}
	}
	if chromium == "" {
		t.Fatal("no Chromium on PATH: install Debian's chromium (scripts/apt-deps.sh does)")
	}
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(repo, "build", "browser"), 0o755); err != nil {
		t.Fatal(err)
	}
	return repo, chromium
}

// server is a Jupyter server started for a test.
type server struct {
	base, token string
	cmd         *exec.Cmd
}

// startServer runs command (its {port} replaced by a free port) in dir with a fresh token, logging to logPath,
// and waits until the server answers; the test's cleanup stops it and everything it started.
func startServer(t *testing.T, dir, logPath string, command ...string) *server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	tok := make([]byte, 24)
	rand.Read(tok)
	s := &server{base: fmt.Sprintf("http://127.0.0.1:%d", port), token: hex.EncodeToString(tok)}
	for i, a := range command {
		command[i] = strings.ReplaceAll(a, "{port}", fmt.Sprint(port))
	}
	log, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	s.cmd = exec.Command(command[0], command[1:]...)
	s.cmd.Dir = dir
	s.cmd.Stdout, s.cmd.Stderr = log, log
	s.cmd.Env = append(os.Environ(), "JUPYTER_TOKEN="+s.token, "GOMLX_BACKEND=go", "LOSSBOOK_SMOKE=1")
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// SIGTERM to the process group: Jupyter shuts its kernels down; make and the server go too.
		syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
		done := make(chan struct{})
		go func() { s.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
		log.Close()
	})
	deadline := time.Now().Add(serverTimeout)
	for time.Now().Before(deadline) {
		if s.cmd.ProcessState != nil {
			break
		}
		resp, err := http.Get(s.base + "/api/status?token=" + s.token)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		time.Sleep(time.Second)
	}
	b, _ := os.ReadFile(logPath)
	t.Fatalf("%s did not answer on %s within %v:\n%s", strings.Join(command, " "), s.base, serverTimeout, tail(string(b), 4000))
	return nil
}

func (s *server) url(path string) string { return s.base + path + "?token=" + s.token }

// browser starts a headless Chromium; the returned context drives one tab.
func browser(t *testing.T, chromium string) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium), chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true), chromedp.WindowSize(1280, 1600))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", chromium, err)
	}
	return ctx
}

// openNotebook opens a notebook page, waits for its kernel, and turns autosave off, so that running the
// cells leaves the file as committed.
func openNotebook(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	err := chromedp.Do(ctx,
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS(`#notebook .cell`)),
		poll(`window.Jupyter && Jupyter.notebook && Jupyter.notebook.kernel && Jupyter.notebook.kernel.is_connected()`, serverTimeout),
		chromedp.Evaluate[chromedp.Void](`Jupyter.notebook.set_autosave_interval(0); true`),
	)
	if err != nil {
		t.Fatalf("opening %s: %v", strings.Split(url, "?")[0], err)
	}
}

// poll waits until the JavaScript expression is true.
func poll(expr string, timeout time.Duration) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingInterval(500*time.Millisecond), chromedp.WithPollingTimeout(timeout))
}

// allRunAndIdle is true when the kernel indicator shows idle and the prompt of every code cell that holds code
// has a number (Shift+Enter on the last cell adds an empty one, which never runs).
const allRunAndIdle = `(() => {
  const icon = document.querySelector('#kernel_indicator_icon');
  if (!icon || !icon.classList.contains('kernel_idle_icon')) return false;
  const cells = [...document.querySelectorAll('#notebook .code_cell')].filter(c => {
    const code = c.querySelector('.CodeMirror-code');
    return code && code.innerText.replace(/\u200b/g, '').trim() !== '';
  });
  return cells.length > 0 && cells.every(c => /\[\d+\]/.test(c.querySelector('.input_prompt').innerText));
})()`

// pageReport is what the page shows after a run, read from its DOM.
type pageReport struct {
	CodeCells      int      `json:"codeCells"`
	WithoutOutput  []int    `json:"withoutOutput"`  // code cells (0-based among code cells) with no output area
	Errors         []string `json:"errors"`         // texts of error outputs
	Stderr         []string `json:"stderr"`         // texts of stderr outputs
	MathMarkdown   int      `json:"mathMarkdown"`   // MathJax elements in rendered markdown cells
	MathOutput     int      `json:"mathOutput"`     // MathJax elements in outputs (nb.Formula)
	SVGs           [][2]int `json:"svgs"`           // width and height of each SVG in the outputs
	UnrenderedTeX  int      `json:"unrenderedTeX"`  // outputs still showing $$ source
	Tabs           int      `json:"tabs"`           // tab characters drawn in code cells (CodeMirror's cm-tab spans)
	TabArrows      int      `json:"tabArrows"`      // of those, drawn with a background image (the ipython theme's arrow)
	Unwrapped      int      `json:"unwrapped"`      // code cells whose editor does not wrap long lines
	BrowserVersion string   `json:"browserVersion"` // navigator.userAgent
}

const readPage = `(() => {
  const codes = [...document.querySelectorAll('#notebook .code_cell')];
  const r = {codeCells: codes.length, withoutOutput: [], errors: [], stderr: [], svgs: [], browserVersion: navigator.userAgent};
  codes.forEach((c, i) => { if (!c.querySelector('.output_area')) r.withoutOutput.push(i); });
  document.querySelectorAll('#notebook .output_error').forEach(e => r.errors.push(e.innerText.slice(0, 500)));
  document.querySelectorAll('#notebook .output_stderr').forEach(e => r.stderr.push(e.innerText.slice(0, 500)));
  const mj = '.MathJax, .MathJax_Display, .MathJax_SVG, .MathJax_CHTML, mjx-container';
  r.mathMarkdown = document.querySelectorAll('#notebook .text_cell_render ' + mj.split(', ').join(', #notebook .text_cell_render ')).length;
  r.mathOutput = document.querySelectorAll('#notebook .output_area ' + mj.split(', ').join(', #notebook .output_area ')).length;
  document.querySelectorAll('#notebook .output_area svg').forEach(s => {
    const b = s.getBoundingClientRect();
    if (!s.closest('.MathJax_SVG, mjx-container, .MathJax')) r.svgs.push([Math.round(b.width), Math.round(b.height)]);
  });
  document.querySelectorAll('#notebook .output_area').forEach(o => { if (o.innerText.includes('$$')) r.unrenderedTeX++; });
  r.unrenderedTeX = r.unrenderedTeX || 0;
  const tabs = [...document.querySelectorAll('#notebook .code_cell .cm-tab')];
  r.tabs = tabs.length;
  r.tabArrows = tabs.filter(e => getComputedStyle(e).backgroundImage !== 'none').length;
  r.unwrapped = codes.filter(c => !c.querySelector('.CodeMirror-wrap')).length;
  return r;
})()`

func TestNotebook00(t *testing.T) {
	repo, chromium := setUp(t)
	const nbPath = "notebooks/00_setup.ipynb"
	committed, err := os.ReadFile(filepath.Join(repo, nbPath))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Running cells must not change the committed notebook (autosave is off; this is the safety net).
		if now, err := os.ReadFile(filepath.Join(repo, nbPath)); err == nil && string(now) != string(committed) {
			os.WriteFile(filepath.Join(repo, nbPath), committed, 0o644)
			t.Errorf("the browser run saved %s; restored the committed file", nbPath)
		}
	})
	srv := startServer(t, repo, filepath.Join(repo, "build", "browser", "lab.log"),
		"make", "--no-print-directory", "lab", "LAB_PORT={port}")
	ctx := browser(t, chromium)
	start := time.Now()
	openNotebook(t, ctx, srv.url("/notebooks/00_setup.ipynb"))
	if kernel, err := chromedp.Run(ctx, chromedp.Evaluate[string](`Jupyter.notebook.kernel.name`)); err != nil || kernel != kernelName {
		t.Fatalf("notebook 00 started kernel %q (%v), want %q (the notebook's metadata)", kernel, err, kernelName)
	}
	// Cell > Run All, through the menu, as a user does.
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#celllink`)),
		chromedp.WaitVisible(chromedp.CSS(`#run_all_cells a`)),
		chromedp.Click(chromedp.CSS(`#run_all_cells a`)),
		chromedp.Sleep(2*time.Second),
		poll(allRunAndIdle, runTimeout),
	)
	shot := filepath.Join(repo, "build", "browser", "00_setup.png")
	screenshot(t, ctx, shot)
	if err != nil {
		t.Fatalf("running all cells of notebook 00: %v (screenshot %s)", err, shot)
	}
	t.Logf("notebook 00: all cells ran in %.0f s", time.Since(start).Seconds())
	// MathJax typesets after the outputs arrive: give it a moment to finish.
	err = chromedp.Do(ctx,
		poll(`document.querySelectorAll('#notebook .output_area .MathJax, #notebook .output_area .MathJax_Display, #notebook .output_area mjx-container').length > 0`, time.Minute))
	var r pageReport
	if err == nil {
		r, err = chromedp.Run(ctx, chromedp.Evaluate[pageReport](readPage))
	}
	screenshot(t, ctx, shot)
	if err != nil {
		t.Fatalf("reading the page (MathJax output never appeared?): %v (screenshot %s)", err, shot)
	}
	b, _ := json.MarshalIndent(r, "", "  ")
	t.Logf("notebook 00 page: %s", b)
	os.WriteFile(filepath.Join(repo, "build", "browser", "00_setup.json"), b, 0o644)
	if r.CodeCells == 0 || len(r.WithoutOutput) > 0 {
		t.Errorf("%d code cells; without output: %v", r.CodeCells, r.WithoutOutput)
		for _, i := range r.WithoutOutput {
			// What the notebook's model holds for the cell, and its page.
			js := fmt.Sprintf(`(() => { const c = Jupyter.notebook.get_cells().filter(c => c.cell_type === 'code')[%d];
			  return JSON.stringify({prompt: c.input_prompt_number, outputs: c.output_area.outputs}).slice(0, 1500) + ' ' +
			    c.element[0].querySelector('.output_wrapper').outerHTML.slice(0, 1500); })()`, i)
			if got, err := chromedp.Run(ctx, chromedp.Evaluate[string](js)); err == nil {
				t.Logf("code cell %d: %s", i, got)
			}
		}
	}
	if len(r.Errors) > 0 || len(r.Stderr) > 0 {
		t.Errorf("error outputs %q, stderr outputs %q; want none", r.Errors, r.Stderr)
	}
	if r.MathMarkdown == 0 || r.MathOutput == 0 || r.UnrenderedTeX > 0 {
		t.Errorf("MathJax elements: %d in markdown, %d in outputs; %d outputs still show $$: want typeset LaTeX in both", r.MathMarkdown, r.MathOutput, r.UnrenderedTeX)
	}
	if len(r.SVGs) == 0 {
		t.Error("no SVG in the outputs: the plot did not render")
	}
	// scripts/notebook_config.py (make kernel): Go's tabs as white space, long lines wrapped.
	if r.Tabs == 0 || r.TabArrows > 0 || r.Unwrapped > 0 {
		t.Errorf("%d tabs in code cells, %d drawn as arrows; %d code cells without line wrapping: want tabs as white space and wrapped lines (run make kernel)",
			r.Tabs, r.TabArrows, r.Unwrapped)
	}
	for _, wh := range r.SVGs {
		if wh[0] <= 0 || wh[1] <= 0 {
			t.Errorf("an SVG plot is %dx%d: want a non-zero size", wh[0], wh[1])
		}
	}
	t.Logf("screenshot: %s", shot)
}

func TestNewNotebookOutsideRepo(t *testing.T) {
	repo, chromium := setUp(t)
	dir := t.TempDir() // outside the repository
	args := []string{"jupyter", "notebook", "--no-browser", "--ip=127.0.0.1", "--port={port}", "--notebook-dir=" + dir}
	if os.Geteuid() == 0 {
		args = append(args, "--allow-root")
	}
	srv := startServer(t, dir, filepath.Join(repo, "build", "browser", "new_notebook.log"), args...)
	// A new, empty notebook on the kernel, as File > New > Go (lossbook) makes one (the menu opens it in another
	// window; here it is made through the same server API the menu calls, then opened in this tab).
	empty := `{"type": "notebook", "content": {"cells": [{"cell_type": "code", "execution_count": null, "metadata": {},
	  "outputs": [], "source": ""}], "metadata": {"kernelspec": {"display_name": "Go (lossbook)", "language": "go",
	  "name": "lossbook"}}, "nbformat": 4, "nbformat_minor": 5}}`
	req, _ := http.NewRequest(http.MethodPut, srv.url("/api/contents/new.ipynb"), strings.NewReader(empty))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		t.Fatalf("creating new.ipynb: %s", resp.Status)
	}
	ctx := browser(t, chromium)
	openNotebook(t, ctx, srv.url("/notebooks/new.ipynb"))
	// Typed into the cell (inserted as text input, as an input method does, so that the editor's bracket
	// closing does not double the brackets), then run with Shift+Enter.
	code := "import \"github.com/lossbook/lossbook/losses\"\n" +
		"import \"github.com/lossbook/lossbook/lib\"\n" +
		"import \"github.com/gomlx/gomlx/pkg/core/graph\"\n" +
		"%%\n" +
		"ce := graph.MustExecOnce(lib.MustBackend(), func(logits, labels *graph.Node) *graph.Node { return losses.CrossEntropy(logits, labels) }, [][]float32{{2, 0.5, -1}, {0.1, 0.2, 3}}, []int32{0, 2})\n" +
		"fmt.Printf(\"cross-entropy: %.4f\\n\", ce.Value())"
	var typed, out string
	start := time.Now()
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#notebook .code_cell .CodeMirror`)),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, input.InsertText, input.InsertTextParams{Text: code})
			return err
		}),
	)
	if err == nil {
		typed, err = chromedp.Run(ctx, chromedp.Evaluate[string](`Jupyter.notebook.get_cell(0).get_text()`))
	}
	if err == nil {
		err = chromedp.Do(ctx,
			chromedp.KeyEvent("\r", chromedp.KeyModifiers(chromedp.ModifierShift)),
			chromedp.Sleep(2*time.Second),
			poll(allRunAndIdle+` && document.querySelector('#notebook .code_cell .output_area') !== null`, runTimeout))
	}
	if err == nil {
		out, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#notebook .code_cell .output_area`)))
	}
	shot := filepath.Join(repo, "build", "browser", "new_notebook.png")
	screenshot(t, ctx, shot)
	if err != nil {
		t.Fatalf("typing and running the cell: %v (typed %q; screenshot %s)", err, typed, shot)
	}
	if typed != code {
		t.Errorf("the cell holds %q, want what was typed, %q", typed, code)
	}
	t.Logf("new notebook in %s: output %q after %.0f s", dir, out, time.Since(start).Seconds())
	if want := "cross-entropy: 0.1755"; !strings.Contains(out, want) {
		t.Errorf("the cell printed %q, want %q (PyTorch 1.13's value)", out, want)
	}
}

func screenshot(t *testing.T, ctx context.Context, path string) {
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot %s: %v", path, err)
		return
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Logf("screenshot: %v", err)
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	sc := bufio.NewScanner(strings.NewReader(s[len(s)-n:]))
	sc.Scan() // drop the partial first line
	var b strings.Builder
	for sc.Scan() {
		b.WriteString(sc.Text() + "\n")
	}
	return b.String()
}
