/** The link page's only stylesheet, inlined under the response's CSP nonce (the page loads nothing). */
export const LINK_PAGE_CSS = `
:root {
  color-scheme: light;
  --ink: #1c2430; --muted: #5a6472; --line: #d9dee5; --paper: #ffffff; --wash: #f3f5f8;
  --accent: #1f5fd1; --accent-ink: #ffffff; --ok: #1d7a46; --ok-wash: #e8f5ee;
  --warn: #8a5300; --warn-wash: #fff4e0; --bad: #b3261e; --bad-wash: #fdecea;
  --radius: 10px;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: var(--wash); color: var(--ink);
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
main { max-width: 34rem; margin: 0 auto; padding: 1.25rem 1rem 2rem; }
.card { background: var(--paper); border: 1px solid var(--line); border-radius: var(--radius); padding: 1.25rem; }
.brand { display: flex; align-items: center; gap: .5rem; font-weight: 600; margin-bottom: 1rem; }
.brand svg { flex: none; }
.badge {
  margin-left: auto; font-size: .75rem; font-weight: 600; letter-spacing: .02em; text-transform: uppercase;
  color: var(--warn); background: var(--warn-wash); border-radius: 999px; padding: .15rem .6rem;
}
h1 { font-size: 1.35rem; line-height: 1.3; margin: 0 0 .5rem; }
h2 { font-size: 1.05rem; margin: 1.5rem 0 .5rem; }
p { margin: 0 0 .75rem; }
.lead { color: var(--muted); }
.steps { display: flex; gap: .5rem; list-style: none; padding: 0; margin: 0 0 1rem; font-size: .8rem; color: var(--muted); }
.steps li { flex: 1; border-top: 3px solid var(--line); padding-top: .35rem; }
.steps li[aria-current="step"] { border-color: var(--accent); color: var(--ink); font-weight: 600; }
.steps li.done { border-color: var(--ok); }
.field { margin: 0 0 1rem; }
fieldset { border: 0; padding: 0; margin: 0 0 1rem; }
label, legend { display: block; font-weight: 600; margin-bottom: .3rem; }
.hint { display: block; color: var(--muted); font-size: .875rem; margin-top: .25rem; }
input[type="text"], input[type="password"], select {
  width: 100%; font: inherit; padding: .6rem .7rem; border: 1px solid #8a94a3; border-radius: 8px;
  background: var(--paper); color: var(--ink);
}
input[aria-invalid="true"] { border-color: var(--bad); }
:focus-visible { outline: 3px solid #79a6f6; outline-offset: 2px; }
h1[tabindex="-1"]:focus { outline: none; }
button {
  font: inherit; font-weight: 600; border-radius: 8px; padding: .65rem 1rem; cursor: pointer;
  border: 1px solid transparent; min-height: 2.75rem;
}
button.primary { background: var(--accent); color: var(--accent-ink); width: 100%; }
button.primary:hover { background: #184ea9; }
button.secondary { background: var(--paper); color: var(--accent); border-color: var(--accent); width: 100%; }
button.link { background: none; color: var(--accent); padding: .25rem 0; min-height: 0; text-decoration: underline; }
button[disabled] { opacity: .7; cursor: progress; }
.actions { display: grid; gap: .6rem; margin-top: 1.25rem; }
.alert { border-radius: 8px; padding: .75rem .9rem; margin: 0 0 1rem; }
.alert.error { background: var(--bad-wash); color: var(--bad); border: 1px solid #f2b8b5; }
.alert.warn { background: var(--warn-wash); color: var(--warn); border: 1px solid #f5d49a; }
.alert.ok { background: var(--ok-wash); color: var(--ok); border: 1px solid #a9dcc0; }
.alert strong { display: block; }
.summary { font-size: 1.05rem; }
progress { display: block; width: 100%; height: .6rem; margin: .25rem 0 1rem; accent-color: var(--ok); }
ul.chips { list-style: none; padding: 0; margin: 0; display: flex; flex-wrap: wrap; gap: .35rem; }
ul.chips li { background: var(--ok-wash); color: var(--ok); border-radius: 999px; padding: .15rem .6rem; font-size: .875rem; }
table { width: 100%; border-collapse: collapse; font-size: .9rem; }
th, td { text-align: left; vertical-align: top; padding: .45rem .35rem; border-bottom: 1px solid var(--line); }
th { color: var(--muted); font-weight: 600; }
code { font: .85em ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: var(--wash); padding: .05rem .3rem; border-radius: 4px; overflow-wrap: anywhere; }
details { margin-top: 1.25rem; border-top: 1px solid var(--line); padding-top: .75rem; }
summary { cursor: pointer; font-weight: 600; color: var(--accent); }
details ol { padding-left: 1.25rem; }
details li { margin-bottom: .4rem; }
fieldset { border: 1px solid var(--line); border-radius: 8px; padding: .75rem .9rem; margin: 1rem 0 0; }
.choice { display: flex; gap: .6rem; align-items: flex-start; margin: .5rem 0; font-weight: 400; }
.choice input { margin-top: .3rem; width: 1.1rem; height: 1.1rem; flex: none; }
.choice span { display: block; }
footer { color: var(--muted); font-size: .8rem; text-align: center; margin-top: 1rem; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media (max-width: 420px) { main { padding: .5rem; } .card { padding: 1rem; border-radius: 0; border-left: 0; border-right: 0; } }
`;
