// Enhancements only: every page works without this file.
import { initAll } from "/static/govuk-frontend.min.js";

initAll();

// A booking's status updates live while it is still being decided: each request waits at the
// server until the status changes (or WAIT_SECONDS pass), so there is no polling to and fro.
const WAIT_SECONDS = 25;
const RETRY_MS = 3000;

function follow(region) {
  const url = region.dataset.liveStatus;
  const ask = async () => {
    let next = 0;
    try {
      const query = new URLSearchParams({ wait: WAIT_SECONDS, status: region.dataset.status });
      const response = await fetch(url + "?" + query, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) throw new Error(response.statusText);
      const answer = await response.json();
      if (answer.html !== undefined && region.dataset.status !== answer.status) {
        region.innerHTML = answer.html;  // rendered by the server, escaped there
        region.dataset.status = answer.status;
      }
      if (!answer.live) {
        document.querySelectorAll(".seibiant-no-js-only").forEach((el) => el.remove());
        return;
      }
    } catch (error) {
      next = RETRY_MS;  // offline for a moment, or signed out: try again a little later
    }
    window.setTimeout(ask, next);
  };
  ask();
}

document.querySelectorAll("[data-live-status]").forEach(follow);

// On a small screen, a search's results come first: its filters wait behind "Show filters".
if (window.matchMedia("(max-width: 40.0525em)").matches) {
  document.querySelectorAll("details[data-close-on-small-screens]").forEach((filters) => {
    filters.open = false;
  });
}
