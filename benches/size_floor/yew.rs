//! Size floor, part 2: the smallest useful Yew app (state, an input, a list, a callback),
//! built exactly like the playground. `scripts/size-floor` reports its size: what any
//! Yew UI costs before its first component of our own.

use yew::prelude::*;

#[function_component(Floor)]
fn floor() -> Html {
    let n = use_state(|| 0u32);
    let text = use_state(String::new);
    let onclick = {
        let n = n.clone();
        Callback::from(move |_: MouseEvent| n.set(*n + 1))
    };
    let oninput = {
        let text = text.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(i) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
                text.set(i.value());
            }
        })
    };
    html! {
        <div class={classes!("app", (*n > 2).then_some("many"))}>
            <button {onclick}>{ format!("clicked {}", *n) }</button>
            <input {oninput} value={(*text).clone()} />
            <p>{ &*text }</p>
            <ul>{ for (0..*n).map(|i| html! { <li key={i}>{ i }</li> }) }</ul>
        </div>
    }
}

fn main() {
    yew::Renderer::<Floor>::new().render();
}
