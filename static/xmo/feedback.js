// Feedback inbox: row selection, keyboard shortcuts, shortcut help. No inline handlers (CSP).
(function () {
  "use strict";

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("#feedback-table tr[data-row]"));
  }

  function currentRow() {
    return document.querySelector("#feedback-table tr.is-current");
  }

  function setCurrent(row) {
    const old = currentRow();
    if (old) old.classList.remove("is-current");
    if (!row) return;
    row.classList.add("is-current");
    row.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    const all = rows();
    if (!all.length) return;
    const index = all.indexOf(currentRow());
    const next = index < 0 ? (step > 0 ? 0 : all.length - 1) : Math.min(all.length - 1, Math.max(0, index + step));
    setCurrent(all[next]);
  }

  function selectedBoxes() {
    return Array.prototype.slice.call(document.querySelectorAll("#feedback-table input[data-select]:checked"));
  }

  function updateSelection() {
    const count = selectedBoxes().length;
    const label = document.querySelector("[data-selected-count]");
    // The words around the number come translated from the template.
    const number = label && label.querySelector("[data-selected-number]");
    if (number) number.textContent = String(count);
    rows().forEach(function (row) {
      const box = row.querySelector("input[data-select]");
      row.classList.toggle("is-selected", !!(box && box.checked));
    });
  }

  function isTyping(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  function openHelp() {
    const dialog = document.getElementById("shortcuts");
    if (dialog && !dialog.open) dialog.showModal();
  }

  document.addEventListener("keydown", function (event) {
    if (!document.getElementById("feedback-table") && event.key !== "?") return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Escape" && isTyping(event.target)) {
      event.target.blur();
      const row = event.target.closest("tr[data-row]");
      if (row) setCurrent(row);
      return;
    }
    if (isTyping(event.target)) return;
    const row = currentRow();
    switch (event.key) {
      case "j":
        move(1);
        break;
      case "k":
        move(-1);
        break;
      case "x": {
        const box = row && row.querySelector("input[data-select]");
        if (!box) return;
        box.checked = !box.checked;
        updateSelection();
        break;
      }
      case "t": {
        const bulk = document.getElementById("bulk-tag");
        const input = selectedBoxes().length && bulk ? bulk : row && row.querySelector("[data-tag-input]");
        if (!input) return;
        input.focus();
        break;
      }
      case "s": {
        const select = row && row.querySelector("[data-status-input]");
        if (!select) return;
        select.focus();
        break;
      }
      case "?":
        openHelp();
        break;
      default:
        return;
    }
    event.preventDefault();
  });

  document.addEventListener("change", function (event) {
    const el = event.target;
    if (el.matches("[data-select-all]")) {
      document.querySelectorAll("#feedback-table input[data-select]").forEach(function (box) {
        box.checked = el.checked;
      });
    }
    if (el.matches("[data-select], [data-select-all]")) updateSelection();
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-shortcuts-open]")) {
      openHelp();
      return;
    }
    const row = event.target.closest("#feedback-table tr[data-row]");
    if (row) setCurrent(row);
  });

  // On a phone the filters start folded unless some are in use.
  document.addEventListener("DOMContentLoaded", function () {
    const box = document.querySelector("[data-filterbox]");
    if (box && window.matchMedia("(max-width: 720px)").matches && !window.location.search) {
      box.open = false;
    }
  });

  // After htmx replaces a row, keep it current so j/k continue from there.
  document.addEventListener("htmx:afterSwap", function (event) {
    const target = event.detail.target;
    if (target && target.matches && target.matches("tr[data-row]")) {
      const fresh = document.getElementById(target.id);
      if (fresh) fresh.classList.add("is-current");
    }
    updateSelection();
  });
})();
