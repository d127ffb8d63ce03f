// Enhancements only: every page works without this file.
import { initAll } from "/static/govuk-frontend.min.js";

initAll();

// A booking's status updates live while it is still being decided.
const POLL_MS = 1500;

function follow(region) {
  const url = region.dataset.liveStatus;
  const poll = async () => {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (response.ok) {
        const answer = await response.json();
        if (answer.html !== undefined && region.dataset.status !== answer.status) {
          region.innerHTML = answer.html;  // rendered by the server, escaped there
          region.dataset.status = answer.status;
        }
        if (!answer.live) {
          document.querySelectorAll(".seibiant-no-js-only").forEach((el) => el.remove());
          return;
        }
      }
    } catch (error) {
      // offline for a moment: try again on the next tick
    }
    window.setTimeout(poll, POLL_MS);
  };
  window.setTimeout(poll, POLL_MS);
}

document.querySelectorAll("[data-live-status]").forEach(follow);
