// tests/browser/page.js runs in Chromium and gives tests/browser/uppy.test.js one entry point on `window`.
interface Window {
  // Resolves with the page's record of what happened (JSON-serialisable), never rejects for a failed step.
  uploadThroughUpgate(options: {
    workerUrl: string;
    token: string;
    shootId: string;
    files: { name: string; size: number; declareSha256?: boolean }[];
    timeoutMs: number;
  }): Promise<any>;
}
