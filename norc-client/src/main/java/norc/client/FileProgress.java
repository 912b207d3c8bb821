package norc.client;

/** Told how far a file upload or download is, after each chunk (on the transfer's thread; return quickly). */
@FunctionalInterface
public interface FileProgress {
    FileProgress NONE = (done, total) -> { };

    void progress(long doneBytes, long totalBytes);
}
