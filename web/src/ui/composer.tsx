import { TypingSignal } from "@natter/client";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { ChatSession } from "../chat/chat-session.js";
import { type DraftImage, DraftImages } from "../images/draft-images.js";
import { useObservable } from "../state/observable.js";
import { useSlowModeWait } from "./slow-mode-wait.js";

/** What the file picker offers; natter decides from the bytes, so a dropped file of another kind gets its answer. */
const IMAGE_TYPES = "image/png,image/jpeg,image/gif,image/webp";

/**
 * Writes a message: Enter sends, Shift+Enter starts a new line. Images are picked, pasted or
 * dropped, and uploaded at once; the message goes out with them. Sending works offline too
 * (it waits); uploading needs the network.
 */
export function Composer({ session, roomId }: { session: ChatSession; roomId: string }) {
  const [draft, setDraft] = useState("");
  const [dragging, setDragging] = useState(false);
  const typing = useMemo(
    () => new TypingSignal(() => session.client.trpc.rooms.typing.mutate({ roomId })),
    [session, roomId],
  );
  const picker = useRef<HTMLInputElement>(null);
  const [images] = useState(() => new DraftImages(session.client));
  const drafts = useObservable(images.items);
  const slowModeSeconds = useObservable(session.rooms).find((room) => room.id === roomId)?.slowModeSeconds ?? 0;
  const myRole = useObservable(session.members.byRoom)[roomId]?.find((member) => member.userId === session.me.id)?.role;
  // Owners and admins are exempt from slow mode; until the members are loaded, assume a member.
  const [waitSeconds, sentNow] = useSlowModeWait(slowModeSeconds, myRole === "owner" || myRole === "admin");
  const myMutes = useObservable(session.myMutes);
  const mutedUntil = myMutes[roomId];
  // A mute with an end passes by itself; the composer stops saying so on its next render after.
  const muted = roomId in myMutes && (mutedUntil == null || Date.parse(mutedUntil) > Date.now());
  useEffect(() => () => images.clear(), [images]);

  const uploading = drafts.some((image) => image.state === "uploading");
  const ready = drafts.filter((image) => image.state === "ready");
  const canSend = !uploading && !muted && waitSeconds === 0 && (draft.trim() !== "" || ready.length > 0);

  const send = () => {
    if (!canSend) return;
    // natter wants words with every message: an image sent alone is captioned with its file name.
    const body = draft.trim() || ready.map((image) => image.name).join(", ");
    session.send(
      roomId,
      body,
      ready.map((image) => image.upload.id),
    );
    images.clear();
    setDraft("");
    typing.sent();
    if (slowModeSeconds > 0) sentNow();
  };

  const addFiles = (files: FileList | null | undefined) => {
    if (files && files.length > 0) images.add([...files]);
  };

  return (
    <form
      class={`composer${dragging ? " dragging" : ""}`}
      onSubmit={(event) => {
        event.preventDefault();
        send();
      }}
      onDragOver={(event) => {
        if (!event.dataTransfer?.types.includes("Files")) return;
        event.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(event) => {
        setDragging(false);
        if (!event.dataTransfer?.files.length) return;
        event.preventDefault();
        addFiles(event.dataTransfer.files);
      }}
    >
      {muted && (
        <p class="hint muted-notice" role="status">
          {mutedUntil
            ? `You are muted in this room until ${new Date(mutedUntil).toLocaleString()}.`
            : "You are muted in this room until an admin lifts it."}
        </p>
      )}
      {slowModeSeconds > 0 && (
        <p class="hint slow-mode" role="status">
          {waitSeconds > 0
            ? `Slow mode: you can send again in ${waitSeconds} s.`
            : `Slow mode: one message every ${slowModeSeconds} s.`}
        </p>
      )}
      {drafts.length > 0 && <DraftImageList images={drafts} onRemove={(image) => images.remove(image.key)} />}
      <div class="composer-row">
        <input
          ref={picker}
          id="composer-images"
          class="visually-hidden"
          type="file"
          accept={IMAGE_TYPES}
          multiple
          tabIndex={-1}
          aria-hidden="true"
          onChange={(event) => {
            addFiles(event.currentTarget.files);
            event.currentTarget.value = "";
          }}
        />
        <button
          type="button"
          class="attach"
          disabled={drafts.length >= images.max}
          onClick={() => picker.current?.click()}
        >
          <span aria-hidden="true">+</span>
          <span class="visually-hidden">Attach images</span>
        </button>
        <label for="composer-input" class="visually-hidden">
          Message
        </label>
        <textarea
          id="composer-input"
          rows={1}
          maxLength={4000}
          placeholder="Write a message"
          value={draft}
          onInput={(event) => {
            setDraft(event.currentTarget.value);
            if (event.currentTarget.value.trim() && navigator.onLine) typing.typed();
          }}
          onPaste={(event) => {
            if (!event.clipboardData?.files.length) return;
            event.preventDefault();
            addFiles(event.clipboardData.files);
          }}
          onKeyDown={(event) => {
            if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
              event.preventDefault();
              send();
            }
          }}
        />
        <button type="submit" class="primary" disabled={!canSend}>
          Send
        </button>
      </div>
    </form>
  );
}

/** The images going out with the next message: uploading, ready, or refused with the reason. */
function DraftImageList({
  images,
  onRemove,
}: {
  images: readonly DraftImage[];
  onRemove: (image: DraftImage) => void;
}) {
  return (
    <ul class="draft-images" aria-label="Images to send">
      {images.map((image) => (
        <li key={image.key} class={`draft-image ${image.state}`}>
          {image.previewUrl ? (
            <img src={image.previewUrl} alt="" width={48} height={48} />
          ) : (
            <span class="draft-image-none" aria-hidden="true">
              !
            </span>
          )}
          <span class="draft-image-text">
            <span class="draft-image-name">{image.name}</span>
            {image.state === "uploading" && (
              <span class="draft-image-state" role="status">
                <progress aria-label={`Uploading ${image.name}`} /> Uploading…
              </span>
            )}
            {image.state === "ready" && <span class="draft-image-state">Ready</span>}
            {image.state === "failed" && (
              <span class="draft-image-state error" role="alert">
                {image.error}
              </span>
            )}
          </span>
          <button type="button" class="small" onClick={() => onRemove(image)}>
            Remove<span class="visually-hidden"> {image.name}</span>
          </button>
        </li>
      ))}
    </ul>
  );
}
