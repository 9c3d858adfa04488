import MsgPack
public import WSLinkExposed

/// A ParaViewWeb-style protocol written with `@Exposed`: arithmetic, a rendered image on
/// request, and a stream of generated frames published on `viewer.image` between
/// `viewer.stream.start` and `viewer.stream.stop`.
///
/// ```swift
/// let adapter = WSLinkServerAdapter(router: ViewerProtocol().makeRouter(), logger: logger)
/// ```
@WSLinkProtocol
public struct ViewerProtocol: Sendable {
    /// The topic frames are published on.
    public static let imageTopic = "viewer.image"

    let streamer = FrameStreamer()

    /// Creates the protocol with its own frame streamer.
    public init() {}

    @Exposed("viewer.add")
    func add(a: Int, b: Int = 0) -> Int { a + b }

    @Exposed("viewer.image")
    func image(width: Int = 64, height: Int = 48, frame: Int = 0) throws -> MsgPackBinary {
        MsgPackBinary(try ImageGenerator.rgb(width: width, height: height, frame: frame))
    }

    @Exposed("viewer.stream.start")
    func startStream(context: WSLinkContext, fps: Int = 10, width: Int = 64, height: Int = 48) async throws -> Bool {
        try await streamer.start(publisher: context.publisher, fps: fps, width: width, height: height)
    }

    @Exposed("viewer.stream.stop")
    func stopStream() async -> Int {
        await streamer.stop()
    }

    @Exposed("viewer.reset")
    func reset() async {
        _ = await streamer.stop()
    }
}
