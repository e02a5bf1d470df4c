/** The pages' one stylesheet (served as /assets/<hash>/style.css; no inline styles, so the CSP can forbid them). */
export const STYLESHEET = `
:root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg:#fff;--panel:#f6f8fa;--accent:#0969da;--bad:#cf222e;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
*{box-sizing:border-box}
body{margin:0;line-height:1.45}
a{color:var(--accent)}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,summary:focus-visible{outline:3px solid #fb8c00;outline-offset:2px}
header.top{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center;padding:.6rem 1rem;border-bottom:1px solid var(--line);background:var(--panel)}
header.top .brand{font-weight:700;text-decoration:none;color:var(--fg)}
header.top nav{display:flex;gap:1rem;flex-wrap:wrap}
header.top form{margin-left:auto}
main{padding:1rem;max-width:72rem;margin:0 auto}
h1{font-size:1.5rem;margin:.2rem 0 .6rem}
h2{font-size:1.15rem;margin:1.6rem 0 .5rem;border-bottom:1px solid var(--line);padding-bottom:.2rem}
.muted{color:var(--muted)}
.skip{position:absolute;left:-999px}
.skip:focus{left:1rem;top:.5rem;background:#fff;padding:.3rem .6rem;z-index:10}
.cats{display:flex;flex-wrap:wrap;gap:.4rem;margin:.6rem 0;padding:0;list-style:none}
.cats a{display:inline-block;padding:.15rem .6rem;border:1px solid var(--line);border-radius:1rem;text-decoration:none}
.cats a[aria-current=page]{background:var(--accent);color:#fff;border-color:var(--accent)}
.search{display:flex;flex-direction:column;gap:.2rem;max-width:32rem}
input,select,button{font:inherit;padding:.35rem .5rem;border:1px solid var(--line);border-radius:.35rem;background:#fff;color:var(--fg);min-height:2.25rem}
button{cursor:pointer;background:var(--panel)}
button.primary{background:var(--accent);color:#fff;border-color:var(--accent)}
.metrics{list-style:none;padding:0;margin:1rem 0;display:grid;gap:.6rem}
.metrics li{border:1px solid var(--line);border-radius:.5rem;padding:.6rem .8rem}
.metrics li[hidden]{display:none}
.metrics h3{margin:0;font-size:1.05rem}
.metrics .facts{display:flex;flex-wrap:wrap;gap:.2rem 1rem;font-size:.875rem;color:var(--muted);margin:.2rem 0}
.metrics p{margin:.2rem 0 0}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:.5rem 0}
dl.facts dt{font-weight:600}
dl.facts dd{margin:0}
.tags{display:flex;flex-wrap:wrap;gap:.3rem;padding:0;margin:0;list-style:none}
.tags li{background:var(--panel);border:1px solid var(--line);border-radius:.3rem;padding:0 .4rem;font-size:.875rem}
pre.sql{background:var(--panel);border:1px solid var(--line);border-radius:.4rem;padding:.6rem;overflow:auto;font-size:.85rem}
.sql .kw{color:#cf222e;font-weight:600}.sql .str{color:#0a3069}.sql .num{color:#0550ae}.sql .com{color:#6e7781;font-style:italic}.sql .fn{color:#8250df}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border-bottom:1px solid var(--line);padding:.3rem .5rem;text-align:left;vertical-align:top}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.table-wrap{overflow-x:auto;max-height:28rem;overflow-y:auto;border:1px solid var(--line);border-radius:.4rem}
.table-wrap thead th{position:sticky;top:0;background:var(--panel)}
form.controls{display:flex;flex-wrap:wrap;gap:.6rem 1rem;align-items:flex-end;background:var(--panel);border:1px solid var(--line);border-radius:.5rem;padding:.7rem}
form.controls label,.field{display:flex;flex-direction:column;gap:.15rem;font-size:.85rem;font-weight:600}
fieldset{border:1px solid var(--line);border-radius:.4rem;padding:.3rem .6rem .6rem;margin:0;display:flex;flex-wrap:wrap;gap:.5rem;align-items:flex-end}
legend{font-size:.85rem;font-weight:600}
.chips{display:flex;flex-wrap:wrap;gap:.3rem;list-style:none;padding:0;margin:0}
.chips button{font-size:.85rem;min-height:1.8rem;padding:.1rem .5rem}
.chart{width:100%;min-height:320px;margin:.8rem 0}
/* the legend names the series; it is not a control (clicking it would hide series with the mouse only) */
.chart .u-legend{pointer-events:none}
.alert{border:1px solid var(--bad);color:var(--bad);border-radius:.4rem;padding:.5rem .7rem;margin:.6rem 0}
.note{border:1px solid var(--line);background:var(--panel);border-radius:.4rem;padding:.5rem .7rem;margin:.6rem 0}
tr.partial td{font-style:italic;color:var(--muted)}
.version{border-left:3px solid var(--line);padding-left:.7rem;margin:.8rem 0}
.diff td{font-family:ui-monospace,monospace;font-size:.8rem;white-space:pre-wrap;word-break:break-word}
.diff .before{background:#ffebe9}.diff .after{background:#dafbe1}
.signin{max-width:26rem}
.signin form{display:flex;flex-direction:column;gap:.6rem}
.row{display:flex;flex-wrap:wrap;gap:.6rem;align-items:center}
@media (max-width:600px){main{padding:.6rem}form.controls{flex-direction:column;align-items:stretch}fieldset{flex-direction:column;align-items:stretch}header.top form{margin-left:0}dl.facts{grid-template-columns:1fr}dl.facts dd{margin-bottom:.4rem}}
`
