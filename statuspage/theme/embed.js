{#- embed.js, the status widget for other sites (issue 16), at the root of the site:

      <script async src="https://status.example.com/embed.js"></script>
      <script async src="https://status.example.com/embed.js" data-server="web03"></script>

    It shows a status dot and words where its tag is (or in the element `data-target`
    names), from api/v2/summary.json, or with `data-server` (a name or an alias, as the
    lookup reads them) from servers.json: that server's status. While an incident or
    maintenance is active it also shows a notice in a corner, until dismissed (in memory:
    the widget keeps nothing, no cookie nor storage; the next page shows it again).
    One request, nothing else; no motion under prefers-reduced-motion; its words are the
    site language's, rendered in here; a failed request (no CORS header, the site down)
    shows nothing and throws nothing. Kept under 2 KB gzipped (tests/outputs/test_embed.py). -#}
{#- The site language's words, and the dot's colour (the badge's), by what the JSON says:
    s by a server's status, d by the first word of summary.json's Statuspage wording (which
    tells the six apart), k by an event's kind. -#}
{% set c = badge_colours %}
{% set words = {
  'l': language,
  'r': direction,
  'x': _('Dismiss'),
  's': {
    'operational': [_('operational'|label), c.none],
    'under_maintenance': [_('under_maintenance'|label), c.maintenance],
    'degraded_performance': [_('degraded_performance'|label), c.minor],
    'partial_outage': [_('partial_outage'|label), c.major],
    'major_outage': [_('major_outage'|label), c.critical],
  },
  'd': {
    'All': [_('All Systems Operational'|label), c.none],
    'Partially': [_('Partially Degraded Service'|label), c.minor],
    'Minor': [_('Minor Service Outage'|label), c.minor],
    'Partial': [_('Partial System Outage'|label), c.major],
    'Major': [_('Major Service Outage'|label), c.critical],
    'Service': [_('Service Under Maintenance'|label), c.maintenance],
  },
  'k': {
    'incident': _('incident'|label),
    'maintenance': _('maintenance'|label),
    'backup': _('backup'|label),
  },
} %}
{#- Written small, as it is served (the budget is 2 KB gzipped). Its parts:
    key(t)      statuspage.model.models.server_key: no case, scheme, path, final slash or dot
    el(n, c, t) an element n of class c with the text t
    host(x)     x in a shadow tree of its own (styles neither way), in the site's language
    link(c, u, t)  a link that opens the status site in a new tab
    read(j)     [[colour, words, link], [[kind, title, link], ...]] from the JSON read
    show(j)     the dot and words where the tag is (or in data-target), and the notice,
                at the end of the body, while an event is active, until dismissed -#}
(function(d){"use strict";
var me=d.currentScript,W={{ words|tojson }};
if(!me||!me.src)return;
var V=me.getAttribute("data-server"),T=me.getAttribute("data-target"),
C=".w{color:inherit;text-decoration:none;display:inline-flex;align-items:center;gap:.4em}"+
".d{width:.7em;height:.7em;border-radius:50%}"+
".n{position:fixed;bottom:1em;inset-inline-end:1em;z-index:99999;max-width:22em;display:flex;gap:.5em;padding:.75em 1em;border-radius:.5em;border-inline-start:.3em solid;font:14px/1.4 sans-serif;color-scheme:light dark;background:Canvas;color:CanvasText;box-shadow:0 2px 9px #0006}"+
".n p{margin:0}a{color:inherit}button{font:inherit;font-size:1.3em;line-height:1;background:none;border:0;color:inherit;cursor:pointer}"+
"@media(prefers-reduced-motion:no-preference){.n{animation:i .3s}}@keyframes i{from{opacity:0;transform:translateY(1em)}}";
function key(t){t=t.trim().toLowerCase();var i=t.indexOf("://");if(i>=0)t=t.slice(i+3).split("/")[0];return t.replace(/\/+$/,"").replace(/\.+$/,"")}
function el(n,c,t){var x=d.createElement(n);if(c)x.className=c;if(t)x.textContent=t;return x}
function host(x){var h=el("span");x.lang=W.l;x.dir=W.r;h.attachShadow({mode:"open"}).append(el("style","",C),x);return h}
function link(c,u,t){var x=el("a",c,t);x.href=u;x.target="_blank";x.rel="noopener";return x}
function read(j){
if(!V){var w=W.d[j.status.description.split(" ")[0]],m=j.scheduled_maintenances.filter(function(e){return/^(in_progress|verifying)$/.test(e.status)});
return[[w[1],w[0],j.page.url],j.incidents.map(function(e){return["incident",e.name,e.shortlink]}).concat(m.map(function(e){return["maintenance",e.name,e.shortlink]}))]}
var q=key(V),s=j.servers.filter(function(e){return[e.name].concat(e.aliases).map(key).indexOf(q)>=0})[0],v=W.s[s.status];
return[[v[1],s.name+": "+v[0],s.url],s.events.map(function(e){e=j.events[e];return[e.kind,e.name,e.url]})]}
function show(j){
var r=read(j),w=link("w",r[0][2],r[0][1]),dot=el("span","d"),p=T&&d.querySelector(T),h=host(w);
dot.style.background=r[0][0];w.prepend(dot);
p?p.append(h):me.closest("body")?me.after(h):d.body.append(h);
if(!r[1].length)return;
var n=el("div","n"),l=el("div"),b=el("button","","\u00d7"),c;
n.setAttribute("role","status");n.style.borderColor=r[0][0];
r[1].forEach(function(e){var x=el("p");x.append(link("",e[2],(W.k[e[0]]||e[0])+": "+e[1]));l.append(x)});
b.type="button";b.title=W.x;b.setAttribute("aria-label",W.x);b.onclick=function(){c.remove()};
n.append(l,b);d.body.append(c=host(n))}
fetch(new URL(V?"servers.json":"api/v2/summary.json",me.src),{credentials:"omit"})
.then(function(r){if(!r.ok)throw 0;return r.json()})
.then(function(j){return new Promise(function(go){d.readyState=="loading"?d.addEventListener("DOMContentLoaded",go):go()}).then(function(){show(j)})})
.catch(function(){})})(document);
