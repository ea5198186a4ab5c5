"""Channel authorisation, user sign-in and replay, for pusher-js and our browser module.

- `POST /api/realtime/auth/` (form fields `socket_id`, `channel_name`, as pusher-js sends
  them): `{"auth"}` for a private channel, `{"auth", "channel_data"}` for presence.
- `POST /api/realtime/user-auth/` (`socket_id`): `{"auth", "user_data"}` for `signin()`.
- `GET /api/realtime/events/?channel=…&after=ID`: the events after ID on that channel, in
  order, from the replay window — our extension, for clients that reconnect.

The caller is the logged-in session (with CSRF) or an API token. A refusal is the same 403
whether the organisation exists or not, so it reveals nothing.
"""

from datetime import timedelta

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from switchboard.common.clock import now
from switchboard.common.errors import Forbidden, InvalidInput
from switchboard.realtime.authorization import authorize_channel, user_data
from switchboard.realtime.selectors import outbox_events_after
from switchboard.realtime.server import protocol, signing

MAX_REPLAY = 500


def _app():
    return settings.PUSHER_APP


def _check(serializer):
    if not serializer.is_valid():
        raise InvalidInput(serializer.errors)
    return serializer.validated_data


def _refusal(channel: str) -> Forbidden:
    return Forbidden(f"You may not subscribe to {channel}.")


class SocketIdField(serializers.RegexField):
    def __init__(self, **kwargs):
        super().__init__(protocol.SOCKET_ID.pattern, max_length=40, **kwargs)


class ChannelAuthSerializer(serializers.Serializer):
    socket_id = SocketIdField()
    channel_name = serializers.RegexField(protocol.CHANNEL_NAME.pattern, max_length=200)


class ChannelAuthView(APIView):
    @extend_schema(
        request=ChannelAuthSerializer,
        responses=inline_serializer(
            "ChannelAuth",
            {"auth": serializers.CharField(), "channel_data": serializers.CharField()},
        ),
    )
    def post(self, request):
        values = _check(ChannelAuthSerializer(data=request.data))
        socket_id, channel = values["socket_id"], values["channel_name"]
        if not protocol.is_private(channel) or protocol.is_encrypted(channel):
            raise _refusal(channel)
        grant = authorize_channel(request.user, channel)
        if grant is None:
            raise _refusal(channel)
        app = _app()
        if protocol.is_presence(channel):
            channel_data = protocol.dumps(
                {"user_id": str(request.user.pk), "user_info": grant.user_info}
            )
            string = signing.channel_string(socket_id, channel, channel_data)
            auth = signing.token(app["key"], app["secret"], string)
            return Response({"auth": auth, "channel_data": channel_data})
        string = signing.channel_string(socket_id, channel)
        return Response({"auth": signing.token(app["key"], app["secret"], string)})


class UserAuthSerializer(serializers.Serializer):
    socket_id = SocketIdField()


class UserAuthView(APIView):
    @extend_schema(
        request=UserAuthSerializer,
        responses=inline_serializer(
            "UserAuth", {"auth": serializers.CharField(), "user_data": serializers.CharField()}
        ),
    )
    def post(self, request):
        values = _check(UserAuthSerializer(data=request.data))
        data = protocol.dumps(user_data(request.user))
        app = _app()
        string = signing.user_string(values["socket_id"], data)
        return Response(
            {"auth": signing.token(app["key"], app["secret"], string), "user_data": data}
        )


class ReplaySerializer(serializers.Serializer):
    channel = serializers.RegexField(protocol.CHANNEL_NAME.pattern, max_length=200)
    after = serializers.IntegerField(min_value=0, default=0)
    limit = serializers.IntegerField(min_value=1, max_value=MAX_REPLAY, default=MAX_REPLAY)


class EventsView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("channel", str, required=True),
            OpenApiParameter("after", int, description="the last event_id the client has"),
            OpenApiParameter("limit", int, description=f"at most {MAX_REPLAY}"),
        ],
        responses=inline_serializer(
            "ReplayPage",
            {
                "channel": serializers.CharField(),
                "events": serializers.ListField(child=serializers.DictField()),
                "has_more": serializers.BooleanField(),
                "retention_hours": serializers.IntegerField(),
            },
        ),
    )
    def get(self, request):
        values = _check(ReplaySerializer(data=request.query_params))
        channel = values["channel"]
        grant = authorize_channel(request.user, channel)
        if grant is None:
            raise _refusal(channel)
        hours = settings.REALTIME["REPLAY_RETENTION_HOURS"]
        rows = outbox_events_after(
            grant.organization_id,
            channel=channel,
            after=values["after"],
            since=now() - timedelta(hours=hours),
            limit=values["limit"] + 1,
        )
        page = rows[: values["limit"]]
        events = [
            {
                "event_id": row.pk,
                "event": row.event,
                "channel": row.channel,
                "data": row.message(),
                "created_at": row.created_at,
            }
            for row in page
        ]
        return Response(
            {
                "channel": channel,
                "events": events,
                "has_more": len(rows) > len(page),
                "retention_hours": hours,
            }
        )
