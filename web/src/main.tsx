import { createNatterClient } from "@natter/client";
import { render } from "preact";
import { followNotificationClicks } from "./push/notification-clicks.js";
import { loadToken, saveToken } from "./session/token-store.js";
import { observable } from "./state/observable.js";
import { App } from "./ui/app.js";
import "./styles.css";

const token = observable(loadToken());
const client = createNatterClient({
  url: location.origin,
  token: token.get(),
  onTokenChange(next) {
    saveToken(next);
    token.set(next);
  },
});

followNotificationClicks();

const root = document.getElementById("app");
if (root) render(<App client={client} token={token} />, root);
