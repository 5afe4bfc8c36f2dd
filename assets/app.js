// What the pages need that HTML alone cannot do. A file of its own, loaded with `defer`
// after htmx, because the Content Security Policy forbids inline script and `hx-on`.
(function () {
  "use strict";

  // htmx's settings. Set here, before the page finishes loading (htmx reads its settings
  // then), rather than in a <meta> every page would carry: no injected indicator <style>
  // (the CSP would block it; our CSS has the rules), no `eval`, no scripts from swapped
  // content, and 4xx/5xx responses are swapped so that a 422 form with its errors, or an
  // error notice, is shown.
  if (window.htmx) {
    htmx.config.includeIndicatorStyles = false;
    htmx.config.allowEval = false;
    htmx.config.allowScriptTags = false;
    htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "422", swap: true },
      { code: "[45]..", swap: true, error: true }
    ];
  }

  // A form that comes back with errors starts with an error summary: focus it, so that the
  // browser scrolls it into view and screen readers read it, wherever the form sits on a
  // long page. Returns whether there was one.
  function focusErrorSummary(root) {
    var summary = root.matches && root.matches("[data-error-summary]")
      ? root
      : root.querySelector && root.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
    }
    return Boolean(summary);
  }

  focusErrorSummary(document);

  // After htmx swaps content in: the error summary it brought, if any, takes focus. Boosted
  // navigation swaps a whole page without a load, so otherwise focus moves to the new
  // content, as a load would reset it: keyboard and screen reader users start on the new
  // page rather than on a link that is gone. Deferred, because htmx scrolls a boosted page to
  // the top just after this event, and focusing must come last to keep the summary in view.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.target;
    var boosted = event.detail.boosted;
    window.setTimeout(function () {
      if (focusErrorSummary(target) || !boosted) {
        return;
      }
      var main = document.getElementById("main");
      if (main) {
        main.focus({ preventScroll: true });
      }
    }, 0);
  });

  // The on-blur check replaces a whole form field with the server's rendering of it. The
  // server never sends a password back, and the user may have typed on while the check was
  // under way: the new input takes what is in the old one now.
  var typed = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    var input = target && target.classList && target.classList.contains("form-field")
      ? target.querySelector("input[id], textarea[id]")
      : null;
    typed = input ? { id: input.id, value: input.value } : null;
  });
  document.addEventListener("htmx:afterSwap", function () {
    if (typed) {
      var input = document.getElementById(typed.id);
      if (input) {
        input.value = typed.value;
      }
      typed = null;
    }
  });

  // A confirmation that counts what it acts on: `data-confirm-count="selected"` on an
  // element with `hx-confirm` asks about the checked boxes of that name in its form, with
  // the question in `data-confirm-one` or `data-confirm-many` ("{count}" is replaced). With
  // none checked there is nothing to confirm: the server says so.
  document.addEventListener("htmx:confirm", function (event) {
    var element = event.detail.elt;
    var name = element.getAttribute && element.getAttribute("data-confirm-count");
    if (!name) {
      return;
    }
    event.preventDefault();
    var form = element.form || element.closest("form") || element;
    var count = Array.prototype.filter.call(form.elements || [], function (input) {
      return input.name === name && input.checked;
    }).length;
    var question = (count === 1
      ? element.getAttribute("data-confirm-one")
      : element.getAttribute("data-confirm-many")) || event.detail.question;
    if (count === 0 || window.confirm(question.replace("{count}", String(count)))) {
      event.detail.issueRequest(true);
    }
  });

  // Search results by keyboard: from the search box, Down goes to the first result; on a
  // result, Down and Up go to the next and previous one (Up from the first goes back to the
  // box), and Enter follows the link as usual. Tab still walks through them in order.
  document.addEventListener("keydown", function (event) {
    if ((event.key !== "ArrowDown" && event.key !== "ArrowUp") || event.altKey ||
        event.ctrlKey || event.metaKey || event.shiftKey) {
      return;
    }
    var target = event.target;
    var inBox = target.matches && target.matches("[data-search-box]");
    var links = Array.prototype.slice.call(
      document.querySelectorAll("[data-search-results] a[data-search-hit]"));
    var at = links.indexOf(target);
    if ((!inBox && at === -1) || links.length === 0) {
      return;
    }
    var next = null;
    if (inBox) {
      next = event.key === "ArrowDown" ? links[0] : null;
    } else if (event.key === "ArrowDown") {
      next = links[at + 1] || null;
    } else {
      next = at === 0 ? document.querySelector("[data-search-box]") : links[at - 1];
    }
    if (next) {
      event.preventDefault();
      next.focus();
    }
  });
  // A row changed in place: a table row with an id (the server answers a request aimed at
  // it with the row alone) that is open for editing (`data-inline-editing`) or has links
  // marked to act in place. Nothing else marks it, so that a page of 25 rows stays small.
  function inlineRow(element) {
    var row = element.closest && element.closest("tr[id]");
    return row && (row.hasAttribute("data-inline-editing") ||
      row.querySelector("[data-inline-edit], [data-in-place], [data-inline-delete]"))
      ? row
      : null;
  }
  // A row's actions done in place, from plain links, so that without script they lead to
  // their pages and a list's rows carry no htmx attributes each: a link marked
  // `data-in-place` (the contacts' Edit) has its page fetched into the row, which it
  // replaces; a link marked `data-inline-delete` leads to a confirmation page: the browser
  // asks "<the link's name>? This cannot be undone." and the confirmation is posted, the
  // answer replacing the row after its fade-out (see `record_list`'s CSS). In the capture
  // phase, ahead of the boost every link of the page has.
  var deletingRow = null;
  document.addEventListener("click", function (event) {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey ||
        event.altKey || !event.target.closest || !window.htmx) {
      return;
    }
    var link = event.target.closest("a[data-in-place], a[data-inline-delete]");
    var row = link && inlineRow(link);
    if (!row) {
      return;
    }
    event.preventDefault();
    event.stopPropagation();
    // Sent from the row, not the link: a request from a boosted link would be a boosted
    // navigation (a whole page, and the address bar changed).
    if (link.hasAttribute("data-in-place")) {
      htmx.ajax("GET", link.href, { source: row, target: row, swap: "outerHTML" });
    } else if (window.confirm(link.getAttribute("aria-label") + "? This cannot be undone.")) {
      deletingRow = row;
      htmx.ajax("POST", link.href, { source: row, target: row, swap: "outerHTML swap:300ms" });
    }
  }, true);
  // A cell of a list cut short by its column shows its whole value as a tooltip, set as the
  // pointer reaches it (rows need not carry each value twice).
  document.addEventListener("pointerover", function (event) {
    var cell = event.target.closest && event.target.closest(".record-list td, .record-list tbody th");
    if (cell && !cell.title && cell.scrollWidth > cell.clientWidth) {
      cell.title = cell.textContent.trim();
    }
  });
  // Rows changed in place (see `inlineRow`, as the contacts list has them). A request that
  // swaps a row takes focus with it, or the keyboard would fall back to the page's start:
  // an edit row focuses its first field (or the first in error); a row back from Save or
  // Cancel focuses its Edit link (`data-in-place` where it opens in the row, as the
  // contacts' does, `data-inline-edit` where it leads to its page); once a row is deleted,
  // the next row's Edit link (or the previous row's, or the page's content) takes focus. Escape in an edit
  // row cancels it (`data-inline-cancel`). Requests aimed elsewhere (an on-blur check of
  // one field, a live refetch) leave focus alone.
  var rowFocus = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var element = event.detail.elt;
    var row = inlineRow(element);
    if (!row || event.detail.target !== row) {
      return;
    }
    var xhr = event.detail.xhr;
    var deleting = deletingRow === row;
    deletingRow = null;
    if (deleting) {
      var next = siblingRow(row, "nextElementSibling") || siblingRow(row, "previousElementSibling");
      rowFocus = { xhr: xhr, removed: row.id, to: next ? next.id : null };
    } else {
      rowFocus = { xhr: xhr, removed: null, to: row.id };
    }
  });
  // A failed request leaves the row as it was (a 422 is not a failure: it swaps the edit
  // row back in with its errors, and the first of them takes focus).
  document.addEventListener("htmx:afterRequest", function (event) {
    if (!event.detail.successful) {
      rowFocus = null;
    }
  });
  // Once the row's own answer settled (an on-blur check of a field may settle in between,
  // and htmx gives the new row its own attributes back only then). A deleted row's answer
  // settles the message it brings, the row itself going after a delay (its fade-out).
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!rowFocus || event.detail.xhr !== rowFocus.xhr ||
        (rowFocus.removed && document.getElementById(rowFocus.removed))) {
      return;
    }
    var pending = rowFocus;
    rowFocus = null;
    var row = pending.to ? document.getElementById(pending.to) : null;
    if (!row) {
      var main = document.getElementById("main");
      if (main) {
        main.focus({ preventScroll: true });
      }
      return;
    }
    var target = row.hasAttribute("data-inline-editing")
      ? row.querySelector("[aria-invalid=true]") ||
        row.querySelector("input:not([type=hidden]), textarea, select")
      : row.querySelector("[data-in-place], [data-inline-edit]");
    if (target) {
      target.focus();
    }
  });
  function siblingRow(row, direction) {
    var sibling = row[direction];
    while (sibling && !inlineRow(sibling)) {
      sibling = sibling[direction];
    }
    return sibling;
  }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || !event.target.closest) {
      return;
    }
    var row = event.target.closest("[data-inline-editing]");
    var cancel = row && row.querySelector("[data-inline-cancel]");
    if (cancel) {
      event.preventDefault();
      cancel.click();
    }
  });

  // Live updates (see `src/live`). The page's event stream first says its id; requests made
  // from the page carry it, so that the change they make is not echoed back to this page.
  var liveStream = null;
  var openSources = [];
  document.addEventListener("htmx:sseOpen", function (event) {
    var source = event.detail.source;
    // For styles and tests: whether this page is receiving live updates.
    event.target.setAttribute("data-live-state", "open");
    if (openSources.indexOf(source) === -1) {
      openSources.push(source);
      source.addEventListener("stream", function (message) {
        liveStream = message.data;
      });
    }
  });
  document.addEventListener("htmx:sseError", function (event) {
    event.target.setAttribute("data-live-state", "reconnecting");
  });
  document.addEventListener("htmx:sseClose", function (event) {
    openSources = openSources.filter(function (source) {
      return source !== event.detail.source;
    });
  });
  document.addEventListener("htmx:configRequest", function (event) {
    if (liveStream) {
      event.detail.headers["X-Live-Stream"] = liveStream;
    }
  });

  // Over HTTP/1.1 a browser opens six connections to a server, and each open stream holds
  // one: a hidden tab gives its stream back, and opens it again once shown, then catches up
  // as after a gap in the events (`resync`). The SSE extension opens a stream, and binds the
  // page's listeners to it, as htmx tells it an element was processed: told again, it opens
  // a new one. Over HTTP/2 all streams share one connection, and a hidden tab keeps its
  // stream (and its toasts).
  var navigation = window.performance && performance.getEntriesByType
    ? performance.getEntriesByType("navigation")[0]
    : null;
  var protocol = navigation ? navigation.nextHopProtocol : "";
  var streamsHoldConnections = !/^(h2|h3)/.test(protocol || "");
  var pausedSources = [];
  var resuming = false;
  document.addEventListener("visibilitychange", function () {
    if (!streamsHoldConnections) {
      return;
    }
    if (document.visibilityState === "hidden") {
      openSources.forEach(function (source) {
        source.close();
        pausedSources.push(source);
      });
      openSources = [];
    } else if (pausedSources.length > 0) {
      pausedSources = [];
      resuming = true;
      document.querySelectorAll("[data-sse-connect]").forEach(function (live) {
        htmx.trigger(live, "htmx:afterProcessNode");
        live.querySelectorAll("[data-sse-swap], [data-hx-trigger]").forEach(function (listener) {
          htmx.trigger(listener, "htmx:afterProcessNode");
        });
      });
    }
  });
  document.addEventListener("htmx:sseOpen", function (event) {
    if (!resuming) {
      return;
    }
    resuming = false;
    event.detail.source.dispatchEvent(new MessageEvent("resync", { data: "resync" }));
  });

  // A page kept in the back/forward cache must not hold its stream open (browsers allow a
  // few connections per server), and what it shows is stale when it comes back: reload it.
  window.addEventListener("pagehide", function (event) {
    if (event.persisted) {
      openSources.forEach(function (source) { source.close(); });
    }
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted && openSources.length > 0) {
      window.location.reload();
    }
  });

  // A live refetch (`data-live-refresh`) waits while the part it would replace is being
  // worked on (a row open for editing, boxes checked, focus inside): the page's notice
  // (`data-live-notice`) offers the latest instead, so nothing typed or selected is lost.
  function busy(region) {
    return Boolean(region && (
      region.querySelector("[data-inline-editing], input[type=checkbox]:checked") ||
      region.contains(document.activeElement) && document.activeElement !== region));
  }
  document.addEventListener("htmx:confirm", function (event) {
    var element = event.detail.elt;
    if (!element.hasAttribute || !element.hasAttribute("data-live-refresh")) {
      return;
    }
    var region = document.querySelector(element.getAttribute("data-hx-target"));
    if (busy(region)) {
      event.preventDefault();
      var notice = document.querySelector("[data-live-notice]");
      if (notice) {
        notice.hidden = false;
      }
    }
  });
  // Whatever fills that part again (the notice's link, a search) shows the latest.
  document.addEventListener("htmx:afterSwap", function (event) {
    var refresher = document.querySelector("[data-live-refresh]");
    var notice = document.querySelector("[data-live-notice]");
    if (refresher && notice && event.detail.target ===
        document.querySelector(refresher.getAttribute("data-hx-target"))) {
      notice.hidden = true;
    }
  });

  // Toasts (`live::Toast`) go when dismissed, or after a while unless the pointer or focus
  // is on them (someone reading or about to follow the link).
  var TOAST_LIFETIME = 10000;
  function dismissLater(toast) {
    window.setTimeout(function () {
      if (toast.matches(":hover") || toast.contains(document.activeElement)) {
        dismissLater(toast);
      } else {
        toast.remove();
      }
    }, TOAST_LIFETIME);
  }
  document.addEventListener("htmx:sseMessage", function (event) {
    var region = event.target;
    if (region && region.id === "toasts" && region.lastElementChild) {
      dismissLater(region.lastElementChild);
    }
  });
  document.addEventListener("click", function (event) {
    var close = event.target.closest && event.target.closest("[data-toast-close]");
    if (close) {
      close.closest("[data-toast]").remove();
    }
  });

  // Selection in a list (`record_list`): the boxes of a row name their form
  // (`form="contacts-bulk"`). That form's bar (`data-selection-bar`) appears with the first
  // checked box and counts them ("3 selected"); "Clear" unchecks them all; the header's box
  // (`data-select-all`, shown only here: it needs script) checks or unchecks every box, and is
  // mixed while some are checked.
  function boxesOf(formId) {
    return Array.prototype.slice.call(document.querySelectorAll(
      "input[type=checkbox][name=selected][form='" + formId + "']"));
  }
  function updateSelections() {
    document.querySelectorAll("[data-selection-bar]").forEach(function (bar) {
      var boxes = boxesOf(bar.id);
      var checked = boxes.filter(function (box) { return box.checked; }).length;
      bar.hidden = checked === 0;
      bar.querySelector("[data-selection-count]").textContent =
        checked === 0 ? "" : checked + " selected";
      var clear = bar.querySelector("[data-selection-clear]");
      if (clear) {
        clear.hidden = false;
      }
      var all = document.querySelector("[data-select-all='" + bar.id + "']");
      if (all) {
        all.hidden = boxes.length === 0;
        all.checked = boxes.length > 0 && checked === boxes.length;
        all.indeterminate = checked > 0 && checked < boxes.length;
      }
    });
  }
  document.addEventListener("change", function (event) {
    var all = event.target.closest && event.target.closest("[data-select-all]");
    if (all) {
      boxesOf(all.getAttribute("data-select-all")).forEach(function (box) {
        box.checked = all.checked;
      });
    }
    if (all || event.target.name === "selected") {
      updateSelections();
    }
  });
  document.addEventListener("click", function (event) {
    var clear = event.target.closest && event.target.closest("[data-selection-clear]");
    if (!clear) {
      return;
    }
    var bar = clear.closest("[data-selection-bar]");
    boxesOf(bar.id).forEach(function (box) {
      box.checked = false;
    });
    updateSelections();
    // The bar (and the button) are gone: focus goes back to the list.
    var all = document.querySelector("[data-select-all='" + bar.id + "']");
    var list = all && all.closest("[role=region]");
    if (list) {
      list.focus();
    }
  });
  document.addEventListener("htmx:afterSettle", updateSelections);
  updateSelections();

  // Header menus (`<details data-menu>`) open without script; with it, one is open at a
  // time, and a click elsewhere or Escape closes it (Escape returns focus to its button).
  function closeMenus(except) {
    document.querySelectorAll("details[data-menu][open]").forEach(function (menu) {
      if (menu !== except) {
        menu.open = false;
      }
    });
  }
  document.addEventListener("click", function (event) {
    closeMenus(event.target.closest && event.target.closest("details[data-menu]"));
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    var menu = document.querySelector("details[data-menu][open]");
    if (menu) {
      menu.open = false;
      menu.querySelector("summary").focus();
      return;
    }
    var header = document.querySelector(".site-header.__searching");
    if (header && header.contains(document.activeElement)) {
      header.classList.remove("__searching");
      header.querySelector("[data-opens-search]").focus();
    }
  });

  // On a phone the header shows a search button instead of the box: it opens the box in
  // the header's row, focused (without script it leads to the search page). Leaving the
  // box empty closes it again.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-opens-search]");
    var header = button && button.closest(".site-header");
    var input = header && header.querySelector(".site-search input");
    if (!input) {
      return;
    }
    event.preventDefault();
    header.classList.add("__searching");
    input.focus();
  });
  document.addEventListener("focusout", function (event) {
    var header = event.target.closest && event.target.closest(".site-header.__searching");
    if (header && event.target.matches(".site-search input") && event.target.value === "") {
      header.classList.remove("__searching");
    }
  });

  // The theme switcher (`web::theme`): the choice shows at once; htmx posts it to be kept
  // in the cookie the server renders the next page with.
  document.addEventListener("click", function (event) {
    var choice = event.target.closest && event.target.closest(".theme-switcher button[value]");
    if (!choice) {
      return;
    }
    if (choice.value === "system") {
      delete document.documentElement.dataset.theme;
    } else {
      document.documentElement.dataset.theme = choice.value;
    }
    choice.closest(".theme-switcher").querySelectorAll("button[value]").forEach(function (button) {
      button.setAttribute("aria-pressed", String(button === choice));
    });
  });
})();
