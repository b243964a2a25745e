/* The server lookup of the built-in theme (issue 16), for the form of lookup.html.

   The form is hidden in the HTML and shown here, so that without this script the list of
   servers serves instead. servers.json is fetched when the box is first focused or typed
   in, never before (the home page does not pay for it otherwise). A server is found by
   its name or any alias, read as statuspage.model.models.server_key reads them (no case,
   scheme, path, final slash or dot): an exact match first, then the names that start with
   what was typed, then the aliases that do, shorter before longer, then in the order of
   statuspage.yaml. The first LIMIT are listed, each a link to the server's page.

   Keys: Down from the box moves to the first result, Up and Down move between them, Escape
   goes back to the box (and, in it, clears it). Enter in the box opens an exact match, or
   the only result. How many servers match is told in a live region. */
(function () {
  "use strict";
  var LIMIT = 10;
  var form = document.getElementById("lookup");
  if (!form || !window.fetch) { return; }
  var input = document.getElementById("lookup-input");
  var results = document.getElementById("lookup-results");
  var status = document.getElementById("lookup-status");
  var words = JSON.parse(form.dataset.words);
  var number = new Intl.NumberFormat(document.documentElement.lang);
  var servers = null, components = {}, regions = {}, loading = false, pending = false;

  // statuspage.model.models.server_key
  function key(text) {
    text = text.trim().toLowerCase();
    var scheme = text.indexOf("://");
    if (scheme >= 0) { text = text.slice(scheme + 3).split("/")[0]; }
    return text.replace(/\/+$/, "").replace(/\.+$/, "");
  }

  function load() {
    if (servers || loading) { return; }
    loading = true;
    fetch(form.dataset.index, {credentials: "same-origin"})
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (index) {
        var site = index.page.url;
        components = index.components || {};
        regions = index.regions || {};
        servers = index.servers.map(function (server, order) {
          var url = server.url;
          return {
            server: server,
            order: order,
            keys: [server.name].concat(server.aliases).map(key),
            // The page beside this one, wherever the site is served (a preview too).
            href: url.indexOf(site) === 0 ? form.dataset.root + url.slice(site.length) : url
          };
        });
        form.dataset.state = "ready";
        update();
        if (pending) { go(); }
      })
      .catch(function () {
        form.dataset.state = "failed";
        say(form.dataset.failed);
      })
      .then(function () { loading = false; pending = false; });
  }

  function better(a, b) {
    return a.rank - b.rank || a.length - b.length || a.entry.order - b.entry.order;
  }

  // The best LIMIT servers that `query` finds, best first, and how many it finds in all:
  // one pass, keeping the few best in order (no sort of thousands at every keystroke).
  function search(query) {
    var wanted = key(query), top = [], count = 0;
    if (!wanted) { return {top: top, count: 0}; }
    for (var index = 0; index < servers.length; index++) {
      var entry = servers[index], keys = entry.keys, best = null;
      for (var which = 0; which < keys.length; which++) {
        var candidate = keys[which];
        if (candidate.lastIndexOf(wanted, 0) !== 0) { continue; }
        var rank = candidate === wanted ? 0 : which === 0 ? 1 : 2;
        if (!best || rank < best.rank || (rank === best.rank && candidate.length < best.length)) {
          best = {entry: entry, rank: rank, length: candidate.length, which: which};
        }
      }
      if (!best) { continue; }
      count++;
      if (top.length === LIMIT && better(best, top[LIMIT - 1]) >= 0) { continue; }
      var at = Math.min(top.length, LIMIT - 1);
      while (at > 0 && better(best, top[at - 1]) < 0) { top[at] = top[at - 1]; at--; }
      top[at] = best;
    }
    return {top: top, count: count};
  }

  function say(text) {
    if (status.textContent !== text) { status.textContent = text; }
  }

  function span(className, text) {
    var element = document.createElement("span"), isolate = document.createElement("bdi");
    element.className = className;
    isolate.textContent = text;
    element.append(isolate);
    return element;
  }

  function item(match) {
    var server = match.entry.server, link = document.createElement("a");
    var details = [components[server.component] || server.component];
    if (server.region && regions[server.region]) { details.push(regions[server.region].name); }
    link.href = match.entry.href;
    link.append(span("lookup-name", server.name), " ");
    link.append(span("status s-" + server.status, words[server.status] || server.status), " ");
    link.append(span("meta", details.join(" \u00b7 ")));
    if (match.which > 0) { link.append(" ", span("meta lookup-alias", server.aliases[match.which - 1])); }
    var element = document.createElement("li");
    element.append(link);
    return element;
  }

  function update() {
    if (!servers) { return; }
    var found = search(input.value), shown = found.top;
    results.replaceChildren.apply(results, shown.map(item));
    results.hidden = shown.length === 0;
    if (!key(input.value)) { say(""); }
    else if (!found.count) { say(form.dataset.none); }
    else {
      var text = found.count > shown.length ? form.dataset.first : form.dataset.found;
      say(text.replace("{count}", number.format(found.count)).replace("{shown}", number.format(shown.length)));
    }
  }

  function links() { return Array.prototype.slice.call(results.querySelectorAll("a")); }

  form.hidden = false;
  input.addEventListener("focus", load);
  input.addEventListener("input", function () { load(); update(); });
  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" && links().length) {
      event.preventDefault();
      links()[0].focus();
    } else if (event.key === "Escape" && input.value) {
      event.preventDefault();
      input.value = "";
      update();
    }
  });
  results.addEventListener("keydown", function (event) {
    var all = links(), at = all.indexOf(document.activeElement);
    if (at < 0) { return; }
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      var next = at + (event.key === "ArrowDown" ? 1 : -1);
      (next < 0 ? input : all[Math.min(next, all.length - 1)]).focus();
    } else if (event.key === "Escape") {
      event.preventDefault();
      input.focus();
    }
  });
  // Enter: to the server typed exactly, or the only one found (once the index is here).
  function go() {
    var found = search(input.value), first = found.top[0];
    if (first && (first.rank === 0 || found.count === 1)) {
      window.location.href = first.entry.href;
    }
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (servers) { go(); } else { pending = true; load(); }
  });
})();
