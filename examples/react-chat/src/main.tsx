import { createNatterClient } from "@natter/client";
import { NatterProvider } from "@natter/react";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app.js";
import "./styles.css";

const TOKEN_KEY = "natter-example.token";

// The page is served next to natter: its dev and preview servers pass /trpc and /api on to it.
const client = createNatterClient({
  url: location.origin,
  token: localStorage.getItem(TOKEN_KEY),
  onTokenChange: (token) => (token ? localStorage.setItem(TOKEN_KEY, token) : localStorage.removeItem(TOKEN_KEY)),
});

createRoot(document.getElementById("root") as HTMLElement).render(
  <StrictMode>
    <NatterProvider client={client}>
      <App />
    </NatterProvider>
  </StrictMode>,
);
