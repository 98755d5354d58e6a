package io.sluice.log.testing;

import io.sluice.log.internals.FileIO;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/** Passes every call to another FileIO (the real one by default); a fault-injecting seam overrides what it faults. */
public class DelegatingFileIO implements FileIO {
    private final FileIO delegate;

    public DelegatingFileIO(FileIO delegate) {
        this.delegate = delegate;
    }

    @Override
    public FileChannel openReadWrite(Path path, boolean create) throws IOException {
        return delegate.openReadWrite(path, create);
    }

    @Override
    public void move(Path from, Path to) throws IOException {
        delegate.move(from, to);
    }

    @Override
    public boolean deleteIfExists(Path path) throws IOException {
        return delegate.deleteIfExists(path);
    }

    @Override
    public void createDirectories(Path dir) throws IOException {
        delegate.createDirectories(dir);
    }

    @Override
    public void fsyncDirectory(Path dir) throws IOException {
        delegate.fsyncDirectory(dir);
    }
}
