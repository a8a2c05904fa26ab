import { type FormatNode, parseMessageBody } from "@natter/shared/format";
import type { ComponentChildren } from "preact";
import { useMemo } from "preact/hooks";

/**
 * A message body rendered from natter's formatting grammar: the tree becomes elements and
 * text nodes, so nothing the author wrote is ever read as HTML. Links are only the
 * `http(s)` URLs the parser found, and open away from the app without its referrer.
 */
export function MessageBody({ body, usernames }: { body: string; usernames: ReadonlySet<string> }) {
  const nodes = useMemo(() => parseMessageBody(body), [body]);
  return <div class="body">{renderNodes(nodes, usernames)}</div>;
}

function renderNodes(nodes: readonly FormatNode[], usernames: ReadonlySet<string>): ComponentChildren {
  return nodes.map((node, index) => renderNode(node, usernames, index));
}

function renderNode(node: FormatNode, usernames: ReadonlySet<string>, key: number): ComponentChildren {
  switch (node.type) {
    case "text":
      return node.text;
    case "break":
      return <br key={key} />;
    case "bold":
      return <strong key={key}>{renderNodes(node.children, usernames)}</strong>;
    case "italic":
      return <em key={key}>{renderNodes(node.children, usernames)}</em>;
    case "strike":
      return <s key={key}>{renderNodes(node.children, usernames)}</s>;
    case "code":
      return <code key={key}>{node.text}</code>;
    case "codeBlock":
      return (
        <pre key={key} data-language={node.language || undefined}>
          <code>{node.text}</code>
        </pre>
      );
    case "link":
      return (
        <a key={key} href={node.url} target="_blank" rel="noopener noreferrer nofollow">
          {node.url}
        </a>
      );
    case "mention":
      // Only the mentions the server resolved are highlighted; any other `@name` is text.
      return usernames.has(node.username.toLowerCase()) ? (
        <span key={key} class="mention">
          @{node.username}
        </span>
      ) : (
        `@${node.username}`
      );
    case "roomMention":
      return usernames.has("@room") ? (
        <span key={key} class="mention room">
          {node.text}
        </span>
      ) : (
        node.text
      );
  }
}
