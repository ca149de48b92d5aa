"""``perfxl serve``: the collection round in the browser (issue 16)."""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path
from typing import Any

import click

from perfxl.cli import EXIT_UNUSABLE, handle_errors

READY = "perfxl 网页服务已启动：{url}"
INSTALL_HINT = "需要安装网页组件：pip install 'perfxl[web]'"
PASSWORD_ENV = "PERFXL_ADMIN_PASSWORD"
WEB_MODULES = ("starlette", "uvicorn", "jinja2", "sqlalchemy", "python_multipart", "itsdangerous")
DEMO_SETTING = "demo_round"


def _web_missing() -> str | None:
    """The first web library that cannot be imported, or None."""
    import importlib.util

    for name in WEB_MODULES:
        if importlib.util.find_spec(name) is None:
            return name
    return None


@click.command("serve")
@click.option(
    "--data",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("perfxl-data"),
    show_default=True,
    help="数据文件夹：数据库（默认 SQLite）、上传的文件和临时文件都放在这里。",
)
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="监听地址（内网服务器可用 0.0.0.0）。"
)
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8080, show_default=True, help="端口。"
)
@click.option(
    "--db",
    "db_url",
    help="数据库地址（SQLAlchemy 格式），如 postgresql+psycopg://用户:密码@主机/库；默认为数据文件夹中的 SQLite。",
)
@click.option(
    "--max-upload-mb",
    type=click.IntRange(1, 2048),
    default=50,
    show_default=True,
    help="单个上传文件的大小上限（MB）。",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=2,
    show_default=True,
    help="检查上传文件的进程数。",
)
@click.option(
    "--demo",
    is_flag=True,
    help="创建（仅一次）一个示例收集轮次：2023 年绩效目标，应报单位为 examples/county/units.csv，并显示各单位的上传链接。",
)
@handle_errors
def command(
    data: Path,
    host: str,
    port: int,
    db_url: str | None,
    max_upload_mb: int,
    workers: int,
    demo: bool,
) -> None:
    """启动网页服务：县财政局开设收集轮次，各单位通过专属链接上传工作簿并立即看到检查结果。

    第一次启动时设置管理员密码：环境变量 PERFXL_ADMIN_PASSWORD；或在终端中按提示输入；
    否则在启动信息中显示一次性的设置链接。按 Ctrl-C 停止服务。

    退出码：0 正常停止；2 无法启动（缺少网页组件、数据库或端口无法使用）。
    """
    missing = _web_missing()
    if missing is not None:
        click.echo(INSTALL_HINT, err=True)
        sys.exit(EXIT_UNUSABLE)
    import logging

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    from perfxl.web.app import create_app
    from perfxl.web.staging import MB

    app = create_app(data, db_url=db_url, max_upload=max_upload_mb * MB, workers=workers)
    web = app.state.web
    if web.needs_setup():
        _first_password(web)
    notes: list[str] = []
    if demo:
        notes = _demo(web)
    _run(app, host, port, notes)


def _first_password(web: Any) -> None:
    """Set the admin password from the environment or the terminal (else /setup stays open)."""
    from perfxl.web import auth

    password = os.environ.get(PASSWORD_ENV)
    if password is not None:
        problem = auth.password_problem(password)
        if problem:
            click.echo(f"错误：环境变量 {PASSWORD_ENV} 的密码不可用：{problem}", err=True)
            sys.exit(EXIT_UNUSABLE)
    elif sys.stdin.isatty() and sys.stderr.isatty():
        click.echo("第一次启动：请设置县财政局管理员密码（至少 8 个字符）。", err=True)
        for _ in range(3):
            first = getpass.getpass("管理员密码：")
            problem = auth.password_problem(first, getpass.getpass("再输入一次："))
            if problem is None:
                password = first
                break
            click.echo(problem, err=True)
        else:
            click.echo("未设置密码：稍后使用启动信息中的设置链接设置。", err=True)
    if password is not None:
        web.store.set_setting(auth.PASSWORD_SETTING, auth.hash_password(password))
        web.setup_token = None


def _demo(web: Any) -> list[str]:
    """Create the demo round once; the lines to print (admin page, every unit's link path)."""
    from perfxl.errors import DataError
    from perfxl.inputs import load_expected

    rid = web.store.setting(DEMO_SETTING)
    rnd = web.store.round(int(rid)) if rid and rid.isdigit() else None
    if rnd is None:
        units_csv = Path(__file__).resolve().parents[2] / "examples" / "county" / "units.csv"
        if not units_csv.is_file():
            raise DataError(
                f"找不到示例单位名单 {units_csv}：--demo 需要在 perfxl 源代码目录中运行。"
            )
        rnd = web.store.create_round(
            title="2023年绩效目标收集（示例）",
            year=2023,
            stage="targets",
            deadline=None,
            units=load_expected(units_csv),
            config_text=None,
        )
        web.store.set_setting(DEMO_SETTING, str(rnd.id))
    lines = [f"示例收集轮次：{{base}}admin/rounds/{rnd.id}"]
    lines += [f"  {u.code} {u.name or ''}：{{base}}u/{u.token}" for u in web.store.units(rnd.id)]
    return lines


def _run(app: Any, host: str, port: int, notes: list[str]) -> None:
    import uvicorn

    web = app.state.web

    class Server(uvicorn.Server):
        """uvicorn, saying in Chinese when it is ready and stopping cleanly on a signal."""

        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets=sockets)
            if not self.started:
                return
            bound = self.servers[0].sockets[0].getsockname()[1] if self.servers else port
            shown = f"[{host}]" if ":" in host else host
            base = f"http://{shown}:{bound}/"
            click.echo(f"管理页面：{base}admin", err=True)
            for line in notes:
                click.echo(line.format(base=base), err=True)
            if web.setup_token:
                click.echo(
                    f"尚未设置管理员密码，请打开一次性设置链接：{base}setup?token={web.setup_token}",
                    err=True,
                )
            click.echo(READY.format(url=base), err=True)

        def handle_exit(self, sig: int, frame: Any) -> None:
            # uvicorn re-raises the signal after shutting down (exit status -15); a stop asked
            # for is a normal end here: exit 0.
            if self.should_exit:
                self.force_exit = True
            self.should_exit = True

    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=10,
        server_header=False,
    )
    server = Server(config)
    try:
        server.run()
    except SystemExit as exc:
        if not server.started:
            click.echo(
                f"错误：无法在 {host}:{port} 启动网页服务（端口可能已被占用，或地址不属于本机）。",
                err=True,
            )
            sys.exit(EXIT_UNUSABLE)
        raise exc
    click.echo("perfxl 网页服务已停止。", err=True)
