/**
 * The enrolment's otpauth:// URI as a QR code an authenticator app scans, drawn in the browser
 * (the `qrcode` library's SVG output: the secret never leaves the page), with the secret beside it
 * for typing in by hand and a button that copies it.
 */
import { useEffect, useState } from 'react';
import { Button } from '../../components/ui.tsx';

export function TotpQrCode({ secret, otpauthUri }: { secret: string; otpauthUri: string }) {
  const [svg, setSvg] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  useEffect(() => {
    let live = true;
    // Loaded when someone enrols, not with every page. Error correction M, the usual for
    // authenticator apps; a 4-module quiet zone, as the standard asks.
    import('qrcode')
      .then((QRCode) => QRCode.toString(otpauthUri, { type: 'svg', errorCorrectionLevel: 'M', margin: 4 }))
      .then((s) => live && setSvg(s))
      .catch(() => live && setFailed(true));
    return () => {
      live = false;
    };
  }, [otpauthUri]);

  async function copy() {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied('yes');
    } catch {
      // No clipboard (an insecure origin, a refused permission): the key is selectable text.
      setCopied('no');
    }
  }

  return (
    <div className="flex flex-col gap-4 sm:flex-row sm:items-start">
      {svg ? (
        <img
          src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`}
          alt="QR code to scan with your authenticator app"
          data-testid="totp-qr"
          width={176}
          height={176}
          className="size-44 shrink-0 self-center rounded-md border border-slate-200 bg-white sm:self-start"
        />
      ) : (
        <div
          className="flex size-44 shrink-0 items-center justify-center self-center rounded-md border border-dashed border-slate-300 p-3 text-center text-xs text-slate-500 sm:self-start"
          aria-live="polite"
        >
          {failed ? 'The QR code could not be drawn: enter the key by hand.' : 'Drawing the QR code…'}
        </div>
      )}
      <div className="min-w-0 flex-1 space-y-2">
        <p>
          Scan the code with your authenticator app, or, if you cannot scan, type this key into the app
          (time-based, 6 digits):
        </p>
        <div className="flex flex-wrap items-center gap-2">
          <code
            data-testid="totp-secret"
            className="min-w-0 flex-1 rounded bg-slate-100 px-3 py-2 font-mono text-sm tracking-wider break-all"
          >
            {secret}
          </code>
          <Button size="sm" onClick={copy} aria-describedby="totp-copy-status">
            Copy key
          </Button>
        </div>
        <p id="totp-copy-status" className="text-xs text-slate-500" aria-live="polite">
          {copied === 'yes'
            ? 'Key copied.'
            : copied === 'no'
              ? 'Copy is not allowed here: select the key instead.'
              : ''}
        </p>
        <a className="block text-xs text-brand-700 underline break-all" href={otpauthUri}>
          Open in an authenticator app on this device
        </a>
      </div>
    </div>
  );
}
