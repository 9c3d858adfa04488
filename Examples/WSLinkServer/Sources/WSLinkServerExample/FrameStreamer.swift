import MsgPack
public import WSLink

/// Publishes generated frames on ``ViewerProtocol/imageTopic`` at a steady rate until stopped,
/// while anybody listens to that topic (``WSLinkPublisher/hasSubscribers(_:)``).
public actor FrameStreamer {
    private var task: Task<Int, Never>?

    /// Creates an idle streamer.
    public init() {}

    /// Starts streaming; returns `false` if a stream is already running.
    public func start(publisher: WSLinkPublisher, fps: Int, width: Int, height: Int) throws -> Bool {
        guard task == nil else { return false }
        guard (1...120).contains(fps) else { throw ImageGenerator.Failure(message: "fps must be between 1 and 120") }
        _ = try ImageGenerator.rgb(width: width, height: height, frame: 0)
        // Frames are made only while someone listens (a client that never announced
        // subscriptions counts, as it receives everything): the publisher says when that changes.
        let (listening, changed) = AsyncStream<Bool>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let observation = publisher.observeListeners(of: ViewerProtocol.imageTopic) { changed.yield($0) }
        // Unstructured on purpose: the stream outlives the RPC that started it and ends when
        // `stop()` cancels it (the protocol, not any one call, owns it).
        task = Task {
            defer { observation.cancel() }
            var sent = 0
            var changes = listening.makeAsyncIterator()
            while !Task.isCancelled {
                guard publisher.hasSubscribers(ViewerProtocol.imageTopic) else {
                    // Idle until the topic gains a listener (or the stream is stopped).
                    guard await changes.next() != nil else { break }
                    continue
                }
                let pixels = (try? ImageGenerator.rgb(width: width, height: height, frame: sent)) ?? []
                let frame: MsgPackValue = [
                    "frame": .integer(sent), "width": .integer(width), "height": .integer(height), "pixels": .binary(pixels),
                ]
                _ = try? publisher.publish(ViewerProtocol.imageTopic, frame)
                sent += 1
                try? await Task.sleep(for: .milliseconds(1000 / fps))
            }
            return sent
        }
        return true
    }

    /// Stops streaming and returns how many frames were published (0 if none was running).
    public func stop() async -> Int {
        guard let task else { return 0 }
        self.task = nil
        task.cancel()
        return await task.value
    }
}

/// Makes RGB test images: a gradient that moves with the frame number.
public enum ImageGenerator {
    /// Bad image parameters.
    public struct Failure: Error, CustomStringConvertible {
        /// What was wrong.
        public var message: String
        /// `ValueError('…')`, as the Python demo would report it.
        public var description: String { "ValueError('\(message)')" }
    }

    /// `width × height × 3` bytes, row-major RGB.
    public static func rgb(width: Int, height: Int, frame: Int) throws -> [UInt8] {
        guard (1...4096).contains(width), (1...4096).contains(height) else {
            throw Failure(message: "width and height must be between 1 and 4096")
        }
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let index = (y * width + x) * 3
                pixels[index] = UInt8(truncatingIfNeeded: x + frame)
                pixels[index + 1] = UInt8(truncatingIfNeeded: y + frame)
                pixels[index + 2] = UInt8(truncatingIfNeeded: frame &* 8)
            }
        }
        return pixels
    }
}
