//! Published statistics over HTTP: SDMX 2.1 REST at `/sdmx/2.1/...`, the indicator catalogue and
//! protected tables as JSON at `/api/v1/indicators[/{id}]`, `POST /api/v1/statistics/refresh`
//! for publishers, and for them too the statistical inputs not in the records (GDP for SDG
//! 17.3.2): `PUT /api/v1/statistics/inputs/{code}/{period}` (audited; the published cube is
//! replaced) and `GET /api/v1/statistics/inputs`.
//!
//! The server keeps the published cube in memory ([`Figures`]): loaded from the store on first
//! use, replaced after every refresh; its SDMX publication is built once per cube. After an import
//! finalizes, an incremental refresh runs in the background (one at a time: a refresh asked for
//! while one runs runs again after it). Everything served here went through `marsad-figures`'
//! disclosure control: suppressed cells are flagged `C`/`D` and carry no value.
//!
//! SDMX answers are SDMX messages (errors too, as SDMX error messages), negotiated by `Accept`
//! or `format=`; the JSON API answers problem+json errors.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::Instant;

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use marsad_figures::{
    FiguresError, ProtectedTable, Publication, Published, Settings, TableRequest,
};
use marsad_model::Lang;
use marsad_stats::catalogue::{catalogue, Indicator, IndicatorId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::access::Permit;
use crate::error::{ApiError, Code, Passthrough, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::AppState;

/// The published cube the server answers from, and the refresh machinery.
#[derive(Default)]
pub struct Figures {
    current: RwLock<Option<Arc<Snapshot>>>,
    /// Held (on a blocking thread) while a refresh runs: one refresh at a time.
    running: Arc<Mutex<()>>,
    /// A background refresh is running or queued.
    queued: AtomicBool,
    again: AtomicBool,
}

pub(crate) struct Snapshot {
    pub(crate) published: Published,
    sdmx: OnceLock<Result<Arc<Publication>, String>>,
    /// Protected tables already computed from this cube (secondary suppression solves linear
    /// programs; the cube does not change until the next refresh replaces the snapshot).
    tables: Mutex<HashMap<TableRequest, Arc<ProtectedTable>>>,
}

/// Most protected tables a snapshot keeps (the cache starts again when full).
const TABLES_KEPT: usize = 512;

impl Snapshot {
    fn new(published: Published) -> Snapshot {
        Snapshot {
            published,
            sdmx: OnceLock::new(),
            tables: Mutex::new(HashMap::new()),
        }
    }

    /// The protected table of `req`, computed once per snapshot. Blocking: call it off the async
    /// threads.
    pub(crate) fn table(&self, req: &TableRequest) -> Result<Arc<ProtectedTable>, FiguresError> {
        if let Some(t) = self.tables.lock().ok().and_then(|m| m.get(req).cloned()) {
            return Ok(t);
        }
        let table = Arc::new(self.published.table(req)?);
        if let Ok(mut m) = self.tables.lock() {
            if m.len() >= TABLES_KEPT {
                m.clear();
            }
            m.insert(req.clone(), table.clone());
        }
        Ok(table)
    }
}

impl Figures {
    fn get(&self) -> Option<Arc<Snapshot>> {
        self.current.read().ok().and_then(|g| g.clone())
    }

    fn set(&self, s: Arc<Snapshot>) {
        if let Ok(mut g) = self.current.write() {
            *g = Some(s);
        }
    }
}

impl From<FiguresError> for ApiError {
    fn from(e: FiguresError) -> ApiError {
        match e {
            FiguresError::Store(e) => e.into(),
            FiguresError::UnknownIndicator(_) => ApiError::not_found(e.to_string()),
            FiguresError::UnknownDimension { .. }
            | FiguresError::BadPeriod(_)
            | FiguresError::TableTooLarge { .. }
            | FiguresError::NotPublished { .. }
            | FiguresError::Settings(_)
            | FiguresError::Cube(_) => ApiError::bad_request(e.to_string()),
            FiguresError::Input { field, reason } => ApiError::field(field, reason),
            e => ApiError::internal("computing statistics", &e),
        }
    }
}

/// The published cube (loaded from the store on first use).
pub(crate) async fn snapshot(state: &AppState) -> Result<Arc<Snapshot>, ApiError> {
    if let Some(s) = state.figures().get() {
        return Ok(s);
    }
    let published = state
        .blocking(|store, _| Ok(Published::load(store)?))
        .await?;
    let snap = Arc::new(Snapshot::new(published));
    state.figures().set(snap.clone());
    Ok(snap)
}

async fn publication(state: &AppState, snap: Arc<Snapshot>) -> Result<Arc<Publication>, ApiError> {
    let built = tokio::task::spawn_blocking(move || {
        snap.sdmx
            .get_or_init(|| {
                marsad_figures::sdmx_structures(&snap.published)
                    .map(Arc::new)
                    .map_err(|e| e.to_string())
            })
            .clone()
    })
    .await
    .map_err(|e| ApiError::internal("building the SDMX publication", &e))?;
    let _ = state;
    built.map_err(|reason| {
        tracing::error!(error = %reason, "cannot build the SDMX publication");
        ApiError::new(
            Code::Internal,
            "the server failed while building the SDMX publication",
        )
    })
}

/// What a refresh did.
#[derive(Debug, Serialize, ToSchema)]
pub struct RefreshDto {
    /// `true` for a full refresh.
    pub full: bool,
    pub records: u64,
    pub units: u64,
    pub cells_changed: u64,
    pub cells: u64,
    pub seconds: f64,
}

/// Refreshes (one at a time) and replaces the published cube.
pub(crate) async fn run_refresh(state: &AppState, full: bool) -> Result<RefreshDto, ApiError> {
    let lock = state.figures().running.clone();
    let started = Instant::now();
    let (report, published) = state
        .blocking(move |store, clock| {
            let _guard = lock.lock().map_err(|_| {
                ApiError::new(Code::Internal, "a statistics refresh failed earlier")
            })?;
            let settings = match store.stats_state()? {
                Some(s) => Settings::from_json(&s.settings)?,
                None => Settings::default(),
            };
            let now = clock.now();
            let report = marsad_figures::refresh(
                store,
                &settings,
                now.date_naive(),
                now,
                full,
                &mut |_, _, _| {},
            )?;
            Ok((report, Published::load(store)?))
        })
        .await?;
    state.figures().set(Arc::new(Snapshot::new(published)));
    tracing::info!(
        full = report.full,
        units = report.units,
        cells = report.cells,
        "statistics refreshed"
    );
    Ok(RefreshDto {
        full: report.full,
        records: report.records,
        units: report.units,
        cells_changed: report.cells_changed,
        cells: report.cells,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// When the published figures were last refreshed (RFC 3339) and how many cells they hold.
pub(crate) async fn published_state(state: &AppState) -> Result<(Option<String>, u64), ApiError> {
    let snap = snapshot(state).await?;
    Ok((
        snap.published.refreshed_at.map(|t| t.to_rfc3339()),
        snap.published.cells,
    ))
}

/// Starts an incremental refresh in the background (after an import finalized); if one is
/// running, another runs after it.
pub(crate) fn refresh_in_background(state: &AppState) {
    let figures = state.figures();
    if figures.queued.swap(true, Ordering::SeqCst) {
        figures.again.store(true, Ordering::SeqCst);
        return;
    }
    let state = state.clone();
    tokio::spawn(async move {
        loop {
            state.figures().again.store(false, Ordering::SeqCst);
            if let Err(e) = run_refresh(&state, false).await {
                tracing::error!(code = e.code.as_str(), detail = %e.detail, "background statistics refresh failed");
            }
            if !state.figures().again.load(Ordering::SeqCst) {
                break;
            }
        }
        state.figures().queued.store(false, Ordering::SeqCst);
    });
}

fn lang_of(s: Option<&str>) -> Lang {
    s.and_then(Lang::parse).unwrap_or(Lang::En)
}

fn not_public() -> ApiError {
    ApiError::new(
        Code::Forbidden,
        "the access policy does not publish statistics to this caller",
    )
}

// ---------------------------------------------------------------------------------------------
// SDMX

/// SDMX 2.1 REST: `dataflow`, `datastructure`, `codelist`, `conceptscheme`, `data` (key syntax,
/// `startPeriod`, `endPeriod`, `dimensionAtObservation`), `availableconstraint`.
#[utoipa::path(get, path = "/sdmx/2.1/{*path}", tag = "statistics",
    params(
        ("path" = String, Path, description = "The SDMX 2.1 REST resource, e.g. `dataflow/all/all/latest` or `data/MARSAD,WORKERS_PLACED,1.0/A.TUN...`"),
        ("format" = Option<String>, Query, description = "`structurespecificdata`, `genericdata`, `jsondata`, `csv`, `structure` (else by `Accept`)"),
        ("lang" = Option<String>, Query, description = "Language of names in SDMX-JSON and SDMX-CSV: ar, fr, en"),
    ),
    responses(
        (status = 200, description = "SDMX-ML 2.1, SDMX-JSON 1.0 or SDMX-CSV 1.0, by `Accept` or `format=`"),
        (status = 404, description = "No results (an SDMX error message)"),
        (status = 406, description = "None of the accepted formats is offered"),
    ))]
pub async fn sdmx(
    State(state): State<AppState>,
    permit: Option<Permit>,
    Path(path): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if permit.is_none() {
        return Err(not_public());
    }
    let snap = snapshot(&state).await?;
    let publication = publication(&state, snap.clone()).await?;
    let params: Vec<(String, String)> = serde_urlencoded::from_str(query.as_deref().unwrap_or(""))
        .map_err(|e| ApiError::bad_request(format!("the query string cannot be read: {e}")))?;
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let prepared = snap.published.refreshed_at.unwrap_or_else(|| state.now());
    let answer = tokio::task::spawn_blocking(move || {
        let pairs: Vec<(&str, &str)> = params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let header = marsad_sdmx::Header {
            id: format!("MARSAD_{}", prepared.format("%Y%m%dT%H%M%S")),
            test: false,
            prepared,
            sender: "MARSAD".into(),
        };
        let lang = lang_of(pairs.iter().find(|(k, _)| *k == "lang").map(|(_, v)| *v));
        marsad_sdmx::respond(
            &marsad_sdmx::Service {
                structures: &publication.structures,
                datasets: &publication.datasets,
                header: &header,
                lang,
            },
            &path,
            &pairs,
            accept.as_deref(),
        )
    })
    .await
    .map_err(|e| ApiError::internal("answering an SDMX request", &e))?;
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, answer.body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(answer.content_type),
    );
    // SDMX errors are SDMX error messages, not problem+json.
    response.extensions_mut().insert(Passthrough);
    Ok(response)
}

// ---------------------------------------------------------------------------------------------
// The catalogue and tables as JSON

/// A text in the portal's three languages.
#[derive(Debug, Serialize, ToSchema)]
pub struct Trilingual {
    pub ar: String,
    pub fr: String,
    pub en: String,
}

/// One indicator of the catalogue.
#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorDto {
    /// Stable id (also the SDMX dataflow id), e.g. `WORKERS_PLACED`.
    pub id: String,
    /// The label in the language asked for.
    pub name: String,
    pub label: Trilingual,
    pub description: Trilingual,
    pub concept: String,
    pub source: String,
    pub formula: String,
    /// Allowed disaggregations (SDMX dimension ids).
    pub dimensions: Vec<String>,
    /// SDMX `UNIT_MEASURE`: PS, USD, PT.
    pub unit: String,
    pub unit_mult: u8,
    /// Finest frequency: A, Q or M.
    pub frequency: String,
    pub sdg: Option<String>,
    pub gcm_objectives: Vec<u8>,
    /// Cells resting on fewer contributing units are suppressed.
    pub min_frequency: u32,
    pub sensitive: bool,
    /// Counts of the tables asked here are perturbed by the cell key method by up to this
    /// much (never published between 1 and `min_frequency`); 0: published as counted.
    pub perturbation: u32,
    /// Years with data in the published cube.
    pub years: Vec<i32>,
}

/// The catalogue.
#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorList {
    pub indicators: Vec<IndicatorDto>,
    /// When the published cube was last refreshed (absent before the first refresh).
    pub refreshed_at: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct LangQuery {
    /// ar, fr or en (default en).
    pub lang: Option<String>,
}

fn tri(t: &marsad_stats::catalogue::Text) -> Trilingual {
    Trilingual {
        ar: t.ar.into(),
        fr: t.fr.into(),
        en: t.en.into(),
    }
}

fn indicator_dto(def: &Indicator, lang: Lang, published: &Published) -> IndicatorDto {
    IndicatorDto {
        id: def.id.as_str().into(),
        name: def.label.get(lang).into(),
        label: tri(&def.label),
        description: tri(&def.description),
        concept: def.concept.into(),
        source: def.source.into(),
        formula: def.formula.into(),
        dimensions: def.dims.iter().map(|d| d.id().to_string()).collect(),
        unit: def.unit.code().into(),
        unit_mult: def.unit_mult,
        frequency: def.freq.code().into(),
        sdg: def.sdg.map(String::from),
        gcm_objectives: def.gcm.to_vec(),
        min_frequency: def.disclosure.min_frequency,
        sensitive: def.disclosure.sensitive,
        perturbation: def.disclosure.perturbation,
        years: published.years(def.id),
    }
}

/// The indicator catalogue, with trilingual labels and the years published.
#[utoipa::path(get, path = "/api/v1/indicators", tag = "statistics",
    params(LangQuery),
    responses(
        (status = 200, description = "Every indicator", body = IndicatorList),
    ))]
pub async fn indicators(
    State(state): State<AppState>,
    permit: Option<Permit>,
    ApiQuery(q): ApiQuery<LangQuery>,
) -> Result<Json<IndicatorList>, ApiError> {
    if permit.is_none() {
        return Err(not_public());
    }
    let snap = snapshot(&state).await?;
    let lang = lang_of(q.lang.as_deref());
    Ok(Json(IndicatorList {
        indicators: catalogue()
            .iter()
            .map(|d| indicator_dto(d, lang, &snap.published))
            .collect(),
        refreshed_at: snap.published.refreshed_at.map(|t| t.to_rfc3339()),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct TableQuery {
    /// Dimensions to disaggregate by, comma-separated (e.g. `SEX,AGE`); each gets its `_T`
    /// margin.
    pub by: Option<String>,
    /// Periods, comma-separated: `2024`, `2024-Q1`, `2024-03` (default: every year with data).
    pub period: Option<String>,
    /// ar, fr or en (default en).
    pub lang: Option<String>,
}

/// One published cell.
#[derive(Debug, Serialize, ToSchema)]
pub struct CellDto {
    pub period: String,
    /// Dimension id → code (`_T` for a margin, `_U` unknown).
    #[schema(value_type = Object)]
    pub codes: BTreeMap<String, String>,
    /// Absent when the cell is suppressed (never a zero in its place).
    pub value: Option<f64>,
    /// Contributing units; absent when suppressed or perturbed (a count's units are the count).
    pub units: Option<u64>,
    /// SDMX OBS_STATUS: A normal, P provisional, E estimated.
    pub obs_status: String,
    /// SDMX CONF_STATUS: F free, C primary suppression, D secondary suppression.
    pub conf_status: String,
    /// The value is a count perturbed by the cell key method (a few units off, never between 1
    /// and the indicator's minimum frequency; the same cell always has the same value, in every
    /// table); margins are perturbed on their own, so they need not equal the sum of their parts.
    pub perturbed: bool,
}

/// A protected table.
#[derive(Debug, Serialize, ToSchema)]
pub struct TableDto {
    pub indicator: String,
    pub name: String,
    pub unit: String,
    pub dimensions: Vec<String>,
    pub periods: Vec<String>,
    pub cells: Vec<CellDto>,
    /// Cells suppressed: primary (C) and secondary (D).
    pub suppressed_primary: usize,
    pub suppressed_secondary: usize,
    /// Cells whose counts are perturbed by the cell key method.
    pub perturbed: usize,
    pub refreshed_at: Option<String>,
}

fn split(s: Option<&str>) -> Vec<&str> {
    s.map(|s| {
        s.split(',')
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .collect()
    })
    .unwrap_or_default()
}

/// An indicator as a disclosure-protected table: any allowed disaggregation, with margins.
#[utoipa::path(get, path = "/api/v1/indicators/{id}", tag = "statistics",
    params(("id" = String, Path, description = "Indicator id, e.g. WORKERS_PLACED"), TableQuery),
    responses(
        (status = 200, description = "The table: counts perturbed by the cell key method (flagged), amounts' suppressed cells flagged and without value", body = TableDto),
        (status = 400, description = "A dimension the indicator does not have, a bad period, a table too large to protect", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such indicator", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn indicator(
    State(state): State<AppState>,
    permit: Option<Permit>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<TableQuery>,
) -> Result<Json<TableDto>, ApiError> {
    if permit.is_none() {
        return Err(not_public());
    }
    let req = TableRequest::parse(&id, &split(q.by.as_deref()), &split(q.period.as_deref()))?;
    let snap = snapshot(&state).await?;
    let lang = lang_of(q.lang.as_deref());
    let table = tokio::task::spawn_blocking(move || snap.table(&req).map(|t| (t, snap)))
        .await
        .map_err(|e| ApiError::internal("protecting a table", &e))??;
    let (table, snap) = table;
    let def: &Indicator = table.indicator.def();
    let dims: Vec<String> = table.dims.iter().map(|d| d.id().to_string()).collect();
    let count = |c: marsad_stats::disclosure::ConfStatus| {
        table.cells.iter().filter(|x| x.conf_status == c).count()
    };
    Ok(Json(TableDto {
        indicator: IndicatorId::as_str(table.indicator).into(),
        name: def.label.get(lang).into(),
        unit: def.unit.code().into(),
        periods: table.periods.iter().map(|p| p.code()).collect(),
        suppressed_primary: count(marsad_stats::disclosure::ConfStatus::Primary),
        suppressed_secondary: count(marsad_stats::disclosure::ConfStatus::Secondary),
        perturbed: table.cells.iter().filter(|c| c.perturbed).count(),
        cells: table
            .cells
            .iter()
            .map(|c| CellDto {
                period: c.period.code(),
                codes: dims.iter().cloned().zip(c.codes.iter().cloned()).collect(),
                value: c.value,
                units: c.units,
                obs_status: c.obs_status.code().into(),
                conf_status: c.conf_status.code().into(),
                perturbed: c.perturbed,
            })
            .collect(),
        dimensions: dims,
        refreshed_at: snap.published.refreshed_at.map(|t| t.to_rfc3339()),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct RefreshQuery {
    /// Recompute everything (default: only what changed since the last refresh).
    pub full: Option<bool>,
}

/// Brings the statistics up to date with the records and publishes the new cube.
#[utoipa::path(post, path = "/api/v1/statistics/refresh", tag = "statistics",
    params(RefreshQuery),
    responses(
        (status = 200, description = "What the refresh did", body = RefreshDto),
        (status = 403, description = "Only publishers refresh statistics", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn refresh(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<RefreshQuery>,
) -> Result<Json<RefreshDto>, ApiError> {
    Ok(Json(run_refresh(&state, q.full.unwrap_or(false)).await?))
}

// ---------------------------------------------------------------------------------------------
// Statistical inputs

/// A value of an input, as given.
#[derive(Debug, Serialize, ToSchema)]
pub struct InputValueDto {
    pub value: f64,
    /// The unit or currency of `value` (`USD` for `GDP_USD`).
    pub unit: String,
    pub source: String,
    /// The login (or `token:<id>`) that gave it.
    pub entered_by: String,
    /// RFC 3339.
    pub entered_at: String,
}

/// One input for one period: the value in use (the last given) and every value given.
#[derive(Debug, Serialize, ToSchema)]
pub struct InputDto {
    /// The input code, e.g. `GDP_USD`.
    pub code: String,
    /// The period, e.g. `2024`.
    pub period: String,
    /// The value in use.
    pub current: InputValueDto,
    /// Every value given for this period, oldest first (the last is `current`).
    pub history: Vec<InputValueDto>,
}

/// An input the catalogue's indicators need.
#[derive(Debug, Serialize, ToSchema)]
pub struct InputDefDto {
    pub code: String,
    pub unit: String,
    /// The indicators computed over it.
    pub indicators: Vec<String>,
    /// The shortest period a value may be given for: A (years), Q or M.
    pub frequency: String,
}

/// The inputs known and the values given.
#[derive(Debug, Serialize, ToSchema)]
pub struct InputList {
    pub known: Vec<InputDefDto>,
    pub inputs: Vec<InputDto>,
}

/// A value to give. `value` is a number (or a number in a string); `unit` defaults to the
/// input's own.
#[derive(Debug, Deserialize, ToSchema)]
pub struct InputRequest {
    #[schema(value_type = f64)]
    pub value: Option<serde_json::Value>,
    pub unit: Option<String>,
    /// Where the figure comes from, e.g. "World Bank WDI NY.GDP.MKTP.CD" or "national accounts".
    pub source: Option<String>,
}

fn value_dto(v: &marsad_figures::inputs::InputValue) -> InputValueDto {
    InputValueDto {
        value: v.value,
        unit: v.unit.clone(),
        source: v.source.clone(),
        entered_by: v.entered_by.clone(),
        entered_at: v.entered_at.to_rfc3339(),
    }
}

fn input_dtos(settings: &Settings) -> Vec<InputDto> {
    let mut out = Vec::new();
    for (code, periods) in &settings.inputs {
        for (period, history) in periods {
            if let Some(last) = history.last() {
                out.push(InputDto {
                    code: code.clone(),
                    period: period.clone(),
                    current: value_dto(last),
                    history: history.iter().map(value_dto).collect(),
                });
            }
        }
    }
    out
}

fn input_list(settings: &Settings) -> InputList {
    InputList {
        known: marsad_figures::inputs::known()
            .into_iter()
            .map(|d| InputDefDto {
                code: d.code.into(),
                unit: d.unit.into(),
                indicators: d
                    .indicators
                    .iter()
                    .map(|i| i.as_str().to_string())
                    .collect(),
                frequency: d.freq.code().into(),
            })
            .collect(),
        inputs: input_dtos(settings),
    }
}

/// The statistical inputs: the codes the indicators need and every value given.
#[utoipa::path(get, path = "/api/v1/statistics/inputs", tag = "statistics",
    responses(
        (status = 200, description = "The inputs known and the values given, with their history", body = InputList),
        (status = 403, description = "Only publishers see the inputs", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn inputs(State(state): State<AppState>) -> Result<Json<InputList>, ApiError> {
    let settings = state
        .blocking(|store, _| {
            Ok(match store.stats_state()? {
                Some(s) => Settings::from_json(&s.settings)?,
                None => Settings::default(),
            })
        })
        .await?;
    Ok(Json(input_list(&settings)))
}

/// Gives the value of a statistical input for a period (a later value replaces the earlier one,
/// which stays in the history); the figures over it are published again at once.
#[utoipa::path(put, path = "/api/v1/statistics/inputs/{code}/{period}", tag = "statistics",
    params(
        ("code" = String, Path, description = "The input code, e.g. GDP_USD"),
        ("period" = String, Path, description = "A period the indicators over the input are published for, e.g. 2024"),
    ),
    request_body = InputRequest,
    responses(
        (status = 200, description = "The input for the period, with its history", body = InputDto),
        (status = 400, description = "An unknown code, a period the indicator does not publish, a value not finite and above zero, another unit, no source (the problem's `field` names it)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only publishers give inputs", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn put_input(
    State(state): State<AppState>,
    caller: crate::caller::Caller,
    ApiPath((code, period)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<InputRequest>,
) -> Result<Json<InputDto>, ApiError> {
    let value = match &body.value {
        None | Some(serde_json::Value::Null) => {
            return Err(ApiError::field("value", "the value is required"))
        }
        Some(serde_json::Value::Number(n)) => n.as_f64(),
        Some(serde_json::Value::String(s)) => s.trim().parse::<f64>().ok(),
        Some(_) => None,
    }
    .ok_or_else(|| ApiError::field("value", "the value must be a number"))?;
    let new = marsad_figures::inputs::NewInput {
        code: code.clone(),
        period,
        value,
        unit: body.unit.clone().unwrap_or_default(),
        source: body.source.clone().unwrap_or_default(),
        entered_by: caller.name.clone(),
    };
    let (_, period) = new.check()?;
    let lock = state.figures().running.clone();
    let event = marsad_auth::AuditEvent {
        at: state.now(),
        actor: caller.actor(),
        institution: caller.institution().map(str::to_string),
        action: "statistics.input".into(),
        object: Some(marsad_auth::AuditObject {
            kind: "statistics_input".into(),
            id: format!("{}/{}", new.code.trim(), period.code()),
        }),
        purpose: None,
        outcome: marsad_auth::Outcome::Success,
    };
    let published = state
        .blocking(move |store, clock| {
            let _guard = lock.lock().map_err(|_| {
                ApiError::new(Code::Internal, "a statistics refresh failed earlier")
            })?;
            let now = clock.now();
            marsad_figures::inputs::give(store, &new, now.date_naive(), now)?;
            store.audit_append(&event)?;
            Ok(Published::load(store)?)
        })
        .await?;
    let dto = input_dtos(&published.settings)
        .into_iter()
        .find(|d| d.code == code.trim() && d.period == period.code())
        .ok_or_else(|| ApiError::new(Code::Internal, "the input given was not kept"))?;
    state.figures().set(Arc::new(Snapshot::new(published)));
    tracing::info!(input = %dto.code, period = %dto.period, "statistical input given");
    Ok(Json(dto))
}

#[derive(OpenApi)]
#[openapi(
    paths(sdmx, indicators, indicator, refresh, inputs, put_input),
    components(schemas(
        Trilingual,
        IndicatorDto,
        IndicatorList,
        CellDto,
        TableDto,
        RefreshDto,
        InputValueDto,
        InputDto,
        InputDefDto,
        InputList,
        InputRequest
    )),
    tags((name = "statistics", description = "Published, disclosure-protected statistics: the indicator catalogue, tables and SDMX 2.1"))
)]
pub struct StatisticsApi;
