//! The Kafka probe: `ApiVersions`, then `Metadata` in a version both sides
//! speak (kafka-protocol encodes them), and a check that the broker
//! advertises exactly the address clients were given. A broker that
//! advertises its container's own address answers the first request and
//! then sends every client to an address it cannot reach: the classic trap.
use bytes::{BufMut, Bytes, BytesMut};
use kafka_protocol::messages::{
    ApiKey, ApiVersionsRequest, ApiVersionsResponse, MetadataRequest, MetadataResponse,
    RequestHeader, ResponseHeader,
};
use kafka_protocol::protocol::{Decodable, Encodable, HeaderVersion, Message, StrBytes};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{Reach, Stream};

/// A Metadata version recent enough for every current broker (Kafka 4
/// dropped versions below 4) and old enough for the ones before.
const METADATA_UP_TO: i16 = 12;

/// ApiVersions v0 is answered by every broker, whatever else it speaks.
const API_VERSIONS_VERSION: i16 = 0;

/// Replies larger than this are not a broker's answer to these requests.
const MAX_REPLY: usize = 16 << 20;

pub(super) async fn check(reach: &Reach<'_>, port: u16) -> Result<(), String> {
    let host = reach.host;
    let mut stream = reach.stream(port).await?;
    let versions: ApiVersionsResponse = call(
        &mut stream,
        ApiKey::ApiVersions,
        API_VERSIONS_VERSION,
        1,
        &ApiVersionsRequest::default(),
    )
    .await?;
    if versions.error_code != 0 {
        return Err(format!(
            "ApiVersions answered error {}",
            versions.error_code
        ));
    }
    let metadata = versions
        .api_keys
        .iter()
        .find(|k| k.api_key == ApiKey::Metadata as i16)
        .ok_or("the broker offers no Metadata request")?;
    let version = metadata
        .max_version
        .min(METADATA_UP_TO)
        .min(MetadataRequest::VERSIONS.max);
    if version < metadata.min_version.max(MetadataRequest::VERSIONS.min) {
        return Err(format!(
            "the broker speaks Metadata {}..{}, which devsvc does not",
            metadata.min_version, metadata.max_version
        ));
    }
    // No topics: only the brokers are wanted, and nothing is created.
    let request = MetadataRequest::default()
        .with_topics(Some(Vec::new()))
        .with_allow_auto_topic_creation(false);
    let answer: MetadataResponse =
        call(&mut stream, ApiKey::Metadata, version, 2, &request).await?;
    let advertised: Vec<String> = answer
        .brokers
        .iter()
        .map(|b| format!("{}:{}", b.host.as_str(), b.port))
        .collect();
    if answer
        .brokers
        .iter()
        .any(|b| b.host.as_str() == host && u16::try_from(b.port) == Ok(port))
    {
        Ok(())
    } else {
        Err(format!(
            "the broker advertises {}, not {host}:{port}, the address clients were given \
             (its advertised listener must be that address)",
            if advertised.is_empty() {
                "no address".to_string()
            } else {
                advertised.join(", ")
            }
        ))
    }
}

/// Sends one request and decodes its reply.
async fn call<Req, Resp>(
    stream: &mut Stream,
    key: ApiKey,
    version: i16,
    correlation_id: i32,
    request: &Req,
) -> Result<Resp, String>
where
    Req: Encodable + HeaderVersion,
    Resp: Decodable,
{
    let header = RequestHeader::default()
        .with_request_api_key(key as i16)
        .with_request_api_version(version)
        .with_correlation_id(correlation_id)
        .with_client_id(Some(StrBytes::from_static_str("devsvc")));
    let mut body = BytesMut::new();
    let encoded = header
        .encode(&mut body, Req::header_version(version))
        .and_then(|()| request.encode(&mut body, version));
    encoded.map_err(|e| format!("encoding a {key:?} request: {e}"))?;
    let mut frame = BytesMut::with_capacity(body.len() + 4);
    frame.put_i32(i32::try_from(body.len()).map_err(|e| e.to_string())?);
    frame.extend_from_slice(&body);
    stream.write_all(&frame).await.map_err(|e| e.to_string())?;

    let length = stream.read_i32().await.map_err(|e| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => "connection closed".to_string(),
        _ => e.to_string(),
    })?;
    let length = usize::try_from(length)
        .ok()
        .filter(|n| *n <= MAX_REPLY)
        .ok_or_else(|| format!("not a Kafka reply (length {length})"))?;
    let mut reply = vec![0u8; length];
    stream
        .read_exact(&mut reply)
        .await
        .map_err(|e| e.to_string())?;
    let mut reply = Bytes::from(reply);
    let header = ResponseHeader::decode(&mut reply, key.response_header_version(version))
        .map_err(|e| format!("not a Kafka reply: {e}"))?;
    if header.correlation_id != correlation_id {
        return Err("the reply answers another request".into());
    }
    let answer = Resp::decode(&mut reply, version)
        .map_err(|e| format!("decoding the {key:?} reply: {e}"))?;
    Ok(answer)
}
