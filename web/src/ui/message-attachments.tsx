import type { Attachment } from "@natter/client";
import { useEffect, useRef, useState } from "preact/hooks";
import { type AttachmentImages, fitWithin } from "../images/attachment-images.js";

/** The box an image is shown in within a message; the full size opens on a click. */
const THUMBNAIL_MAX_WIDTH = 320;
const THUMBNAIL_MAX_HEIGHT = 240;

/** A message's images, each sized before it loads (nothing moves when it does). */
export function MessageAttachments({
  images,
  attachments,
  author,
}: {
  images: AttachmentImages;
  attachments: readonly Attachment[];
  author: string;
}) {
  return (
    <ul class="attachments">
      {attachments.map((attachment, index) => (
        <li key={attachment.id}>
          <AttachedImage
            images={images}
            attachment={attachment}
            alt={`Image ${attachments.length > 1 ? `${index + 1} of ${attachments.length} ` : ""}from ${author}`}
          />
        </li>
      ))}
    </ul>
  );
}

function AttachedImage({ images, attachment, alt }: { images: AttachmentImages; attachment: Attachment; alt: string }) {
  const [url, setUrl] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  const [open, setOpen] = useState(false);
  useEffect(() => {
    let current = true;
    images.url(attachment).then(
      (loaded) => current && setUrl(loaded),
      () => current && setFailed(true),
    );
    return () => {
      current = false;
    };
  }, [images, attachment]);

  const size = fitWithin(attachment, THUMBNAIL_MAX_WIDTH, THUMBNAIL_MAX_HEIGHT);
  if (failed) return <p class="attachment-failed">{alt} could not be loaded.</p>;
  return (
    <>
      <button
        type="button"
        class="attachment"
        disabled={url === null}
        aria-label={`${alt}: open full size (${attachment.width} × ${attachment.height})`}
        onClick={() => setOpen(true)}
      >
        <img src={url ?? undefined} alt={alt} width={size.width} height={size.height} />
      </button>
      {open && url && <ImageDialog url={url} alt={alt} attachment={attachment} onClose={() => setOpen(false)} />}
    </>
  );
}

/** The image at full size in a modal dialog; Escape, the button or a click beside it closes it. */
function ImageDialog({
  url,
  alt,
  attachment,
  onClose,
}: {
  url: string;
  alt: string;
  attachment: Attachment;
  onClose: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: Escape closes a modal dialog natively; the click is for the backdrop
    <dialog
      ref={dialog}
      class="image-dialog"
      aria-label={alt}
      onClose={onClose}
      onClick={(event) => {
        if (event.target === event.currentTarget) event.currentTarget.close();
      }}
    >
      <img src={url} alt={alt} width={attachment.width} height={attachment.height} />
      <div class="image-dialog-actions">
        <span>
          {attachment.width} × {attachment.height}
        </span>
        <button type="button" class="primary" onClick={() => dialog.current?.close()}>
          Close
        </button>
      </div>
    </dialog>
  );
}
